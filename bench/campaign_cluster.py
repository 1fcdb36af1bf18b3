"""Benchmark: cluster a generated campaign of 10,000+ suggestions into themes (issue 16: under a minute).

Prints JSON: ours (jieba words → TF-IDF → SVD → MiniBatchKMeans, labels, representatives, near-duplicates) beside
a same-run baseline (plain character TF-IDF + full KMeans), each with time and agreement with the generated topics
(adjusted Rand index, purity). Usage: python bench/campaign_cluster.py [N] [K]
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter

#: topic → (subjects, concerns, actions); suggestions mix one topic's words with generic phrases.
TOPICS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "transit": (["地铁末班车", "公交线路", "公交站台", "共享单车", "非机动车道", "出租车候客点"],
                ["高峰期太挤", "等车时间长", "换乘不方便", "站点离小区远", "乱停放占道"],
                ["加密班次", "优化线路", "增设站点", "延长运营时间", "规范停放"]),
    "elderly": (["社区老年食堂", "养老服务站", "老人助餐点", "居家养老", "适老化改造", "长护险"],
                ["老人吃饭难", "床位紧张", "护理员不足", "独居老人无人照看", "申请手续复杂"],
                ["增加助餐网点", "提高护理补贴", "上门照护", "简化评估流程", "建设嵌入式养老机构"]),
    "housing": (["老旧小区加装电梯", "屋顶漏水", "小区停车位", "外墙保温", "物业服务", "旧区改造"],
                ["爬楼困难", "雨天漏水", "停车难", "物业费不透明", "房屋老化"],
                ["加快加装电梯审批", "提高维修资金补贴", "挖潜增设车位", "公开物业账目", "推进成套改造"]),
    "greening": (["口袋公园", "绿道", "河道沿岸", "社区花园", "行道树", "街心绿地"],
                 ["绿地太少", "缺少休息座椅", "晚上照明不足", "河道有异味", "树木遮挡窗户"],
                 ["新建口袋公园", "贯通滨水绿道", "增加座椅和照明", "整治河道水质", "修剪行道树"]),
    "education": (["幼儿园学位", "课后托管", "学校午餐", "社区图书馆", "职业培训", "青少年活动中心"],
                  ["入园难", "放学后无人接送", "午餐质量一般", "周末没地方看书", "技能培训机会少"],
                  ["增加普惠托育", "开设课后服务", "公开午餐食谱", "延长图书馆开放", "开展免费技能培训"]),
    "health": (["社区医院", "家庭医生", "预约挂号", "药品配送", "心理咨询", "急救站点"],
               ["看病排队久", "签约医生联系不上", "专家号难挂", "慢病配药不便", "急救车到达慢"],
               ["增加社区门诊时段", "推广互联网医院", "开放更多号源", "慢病长处方", "增设急救分站"]),
    "business": (["小微企业", "营商环境", "一网通办", "夜间经济", "菜市场", "早餐网点"],
                 ["贷款难", "审批材料多", "线上办事卡顿", "夜市管理乱", "早餐不方便"],
                 ["降低贷款门槛", "减少证明材料", "优化一网通办", "规范夜市经营", "增设早餐车"]),
    "safety": (["电动车充电", "消防通道", "燃气管道", "防汛排水", "高空抛物", "监控探头"],
               ["楼道充电有隐患", "消防通道被占", "燃气管道老化", "下雨积水", "高空坠物伤人"],
               ["建设集中充电桩", "清理消防通道", "更换老旧燃气管", "改造排水管网", "加装高空监控"]),
}  # fmt: skip
OPENERS = ["建议", "希望", "我认为", "作为老居民，建议", "关于十五五规划，", "市民圆桌会上大家提到，"]
REASONS = ["方便居民生活", "解决群众急难愁盼", "提升城市品质", "让大家更有获得感", "减轻家庭负担",
           "体现人民城市理念", "这是很多邻居的心声", "希望尽快落实", "请政府重视", "谢谢"]  # fmt: skip
PLACES = ["普陀区", "杨浦区", "徐汇区", "浦东新区", "静安区", "长宁区", "闵行区", "宝山区"]


def generate(n: int, *, seed: int = 2026) -> tuple[list[str], list[int]]:
    """n suggestions over eight topics (3% exact repeats, varied phrasing and places) and their true topics."""
    rng = random.Random(seed)
    names = list(TOPICS)
    texts: list[str] = []
    truth: list[int] = []
    for _ in range(n):
        if texts and rng.random() < 0.03:
            i = rng.randrange(len(texts))
            texts.append(texts[i])
            truth.append(truth[i])
            continue
        t = rng.randrange(len(names))
        subjects, concerns, actions = TOPICS[names[t]]
        place = f"{rng.choice(PLACES)}{rng.randint(1, 40)}街坊"
        text = (f"{rng.choice(OPENERS)}{place}{rng.choice(subjects)}{rng.choice(concerns)}，"
                f"{rng.choice(actions)}，{rng.choice(REASONS)}。")  # fmt: skip
        if rng.random() < 0.4:
            text += f"另外{rng.choice(subjects)}也要{rng.choice(actions)}。"
        texts.append(text)
        truth.append(t)
    return texts, truth


def purity(labels: list[int], truth: list[int]) -> float:
    """Share of items whose cluster's majority topic is their own."""
    by: dict[int, Counter[int]] = {}
    for c, t in zip(labels, truth, strict=True):
        by.setdefault(c, Counter())[t] += 1
    return sum(cnt.most_common(1)[0][1] for cnt in by.values()) / len(truth)


def baseline(texts: list[str], k: int) -> list[int]:
    """Plain character 1–2-gram TF-IDF + full KMeans."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(texts)
    return [int(v) for v in KMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(x)]


def main() -> None:
    from sklearn.metrics import adjusted_rand_score

    from gridloop.participation.adapters.clustering import cluster_texts, tokenize

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    started = time.perf_counter()
    texts, truth = generate(n)
    # one-time costs of a process (jieba's dictionary, importing scikit-learn), reported apart from clustering
    tokenize("预热分词词典")
    import sklearn.cluster
    import sklearn.decomposition
    import sklearn.feature_extraction.text  # noqa: F401

    warmup = time.perf_counter() - started
    t0 = time.perf_counter()
    ours = cluster_texts(texts, k=k)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = baseline(texts, k)
    t_base = time.perf_counter() - t0
    report = {
        "suggestions": n,
        "themes": k,
        "ours": {
            "method": "jieba words → TF-IDF → SVD(100) → MiniBatchKMeans + labels, representatives, near-duplicates",
            "seconds": round(t_ours, 2),
            "ari": round(adjusted_rand_score(truth, ours.assignment), 3),
            "purity": round(purity(ours.assignment, truth), 3),
            "near_duplicates": len(ours.duplicates),
            "labels": [t.label for t in ours.themes],
        },
        "baseline": {
            "method": "char 1-2-gram TF-IDF → KMeans (full)",
            "seconds": round(t_base, 2),
            "ari": round(adjusted_rand_score(truth, base), 3),
            "purity": round(purity(base, truth), 3),
        },
        "process_warmup_seconds": round(warmup, 2),
        "under_a_minute": t_ours + warmup < 60,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
