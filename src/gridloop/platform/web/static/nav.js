// On a phone the main menu is one sideways-scrolling row: bring the current entry into view.
(function () {
  var current = document.querySelector('.nav a.active');
  var nav = current && current.parentElement;
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  var box = nav.getBoundingClientRect(), item = current.getBoundingClientRect();
  nav.scrollLeft += item.left - box.left - (box.width - item.width) / 2;
})();
