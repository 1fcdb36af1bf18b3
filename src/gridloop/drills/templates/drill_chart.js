(function () {
  var el = document.getElementById('drill-chart');
  var data = JSON.parse(document.getElementById('drill-chart-data').textContent || '[]');
  if (!el || typeof echarts === 'undefined') { return; }
  var names = data.map(function (d) { return d.name; });
  var colour = {on_time: '#16a34a', late: '#d97706', missed: '#dc2626'};
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    grid: {left: 8, right: 16, top: 30, bottom: 30, containLabel: true},
    legend: {data: ['目标时段', '完成时刻']},
    tooltip: {trigger: 'item'},
    xAxis: {type: 'value', name: '分钟'},
    yAxis: {type: 'category', data: names, inverse: true, axisLabel: {width: 180, overflow: 'truncate'}},
    series: [
      {name: '目标时段', type: 'custom', renderItem: function (params, api) {
        var a = api.coord([api.value(1), api.value(0)]), b = api.coord([api.value(2), api.value(0)]);
        var h = api.size([0, 1])[1] * 0.4;
        return {type: 'rect', shape: {x: a[0], y: a[1] - h / 2, width: Math.max(2, b[0] - a[0]), height: h},
                style: {fill: '#bfdbfe'}};
      }, encode: {x: [1, 2], y: 0}, data: data.map(function (d, i) { return [i, d.target[0], d.target[1]]; })},
      {name: '完成时刻', type: 'scatter', symbolSize: 12,
       data: data.filter(function (d) { return d.done !== null; }).map(function (d) {
         return {value: [d.done, d.name], itemStyle: {color: colour[d.outcome]}};
       })}
    ]
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
