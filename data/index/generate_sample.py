#!/usr/bin/env python3
"""Builds data/index/sample-2023.csv and sample-2023.provenance.csv: 31 provinces x the 14 CAICT 3.0 indicators.

Figures that seed 004 (先进计算暨算力发展指数蓝皮书 2024) quotes are used as quoted; every other cell is ILLUSTRATIVE,
spread from a national total by a stated rule. The provenance file says which is which, cell by cell. Run it from the
repository root: python3 data/index/generate_sample.py (needs PyYAML); the output is committed.
"""
import csv
import yaml

regions = yaml.safe_load(open("data/regions.yaml"))["regions"]
gdp = {r["name_zh"]: r["gdp"]["trillion_cny"] * 10000 for r in regions}  # 亿元 (regions.yaml: estimated)
names = [r["name_zh"] for r in regions]

cells, notes = {}, {}


def spread(indicator, total, power, only=None, share=None, exclude=()):
    """Spreads `total` (times `share`) over provinces in proportion to GDP^power."""
    group = [n for n in (only or names) if n not in exclude]
    weight = {n: gdp[n] ** power for n in group}
    s = sum(weight.values())
    for n in group:
        cells[(n, indicator)] = total * (share or 1.0) * weight[n] / s
        notes[(n, indicator)] = ("illustrative", f"{total:g} x {share or 1:g} spread by GDP^{power:g}"
                                 + (f" over {len(group)} named provinces" if only else ""))


def order(indicator, leaders, source):
    """Reassigns the values of the provinces that are not quoted so that `leaders` (a ranking the seed states) hold
    the largest ones in that order and the rest follow GDP; the total stays the same."""
    free = [n for n in names if notes[(n, indicator)][0] == "illustrative"]
    values = sorted((cells[(n, indicator)] for n in free), reverse=True)
    ranked = [n for n in leaders if n in free] + sorted((n for n in free if n not in leaders), key=lambda n: -gdp[n])
    for n, v in zip(ranked, values):
        cells[(n, indicator)] = v
        notes[(n, indicator)] = ("illustrative", notes[(n, indicator)][1] + f"; order of the leaders from seed 004 ({source})")


def quote(n, indicator, value, note, lower_bound=False):
    if lower_bound:
        value = max(value, cells.get((n, indicator), 0))
    cells[(n, indicator)] = value
    notes[(n, indicator)] = ("quoted-lower-bound" if lower_bound else "quoted", note)


TOP5 = ["北京", "广东", "浙江", "江苏", "上海"]  # seed: the five leaders in compute scale
others = [n for n in names if n not in TOP5]

# Compute scale, EFlops. National totals 2023 (seed 004 p.15): basic 140.4 (FP32), intelligent 289.4 (FP32
# equivalent), supercomputing 5.1. The top five hold 81% of general servers and 92% of AI servers.
for ind, total, top_share in [("server-compute", 140.4, 0.81), ("ai-server-compute", 289.4, 0.92)]:
    spread(ind, total, 1.0, only=TOP5, share=top_share)
    spread(ind, total, 1.0, only=others, share=1 - top_share)
    cells[("北京", ind)] *= 1.6  # "北京领先优势较大": illustrative boost
SUPER = ["广东", "天津", "山东", "江苏", "北京", "浙江", "陕西", "四川"]  # seed: leading in supercomputing
spread("supercomputer-compute", 5.1, 0.5, only=SUPER, share=0.85)
spread("supercomputer-compute", 5.1, 1.0, only=[n for n in names if n not in SUPER], share=0.15)

# Industry. Equipment output 万台: Guangdong 820, 55% of the nation (so ~1491); leaders FJ TJ JS SD.
spread("equipment-output", 1491 - 820, 2.0, exclude=("广东",))
quote("广东", "equipment-output", 820, "seed 004: 广东 2023 计算设备产量 820万台, 55% of the national total")
# IC output 万块: Jiangsu above 1000亿块 (= 10,000,000 万块), 30% of the nation (~33,333,333).
spread("ic-output", 33333333 - 10000000, 2.0, exclude=("江苏",))
quote("江苏", "ic-output", 10000000, "seed 004: 江苏集成电路产量连续三年突破1000亿块, 30% of the nation", True)
# Software revenue 亿元: Beijing above 2.6万亿; GD JS SD SH above 1万亿. National 12.3万亿 (MIIT 2023, estimate).
spread("software-revenue", 123258, 1.5)
quote("北京", "software-revenue", 26000, "seed 004: 北京软件业务收入突破2.6万亿元", True)
for n in ["广东", "江苏", "山东", "上海"]:
    quote(n, "software-revenue", 10000, "seed 004: 软件业务收入突破一万亿元", True)

# Technology. Five-year computing patent applications and grants: Guangdong 6万 and 2.2万, 41% of the nation.
spread("patent-applications", 60000 / 0.41 - 60000, 1.5, exclude=("广东",))
quote("广东", "patent-applications", 60000, "seed 004: 广东近五年计算发明专利申请数6万 (41%)")
spread("patent-grants", 22000 / 0.41 - 22000, 1.5, exclude=("广东",))
quote("广东", "patent-grants", 22000, "seed 004: 广东近五年计算发明授权数2.2万 (41%)")
# Computer manufacturing R&D 亿元: Guangdong above 1500, 39% of the nation.
spread("computer-rnd", 1500 / 0.39 - 1500, 1.5, exclude=("广东",))
quote("广东", "computer-rnd", 1500, "seed 004: 广东计算机、通信和其他电子设备制造业R&D经费超过1500亿元 (39%)", True)

# Environment. Bandwidth Tbps: provinces average above 55 (seed), so the nation ~ 31 x 55.
spread("interprovincial-bandwidth", 31 * 55, 1.0)
# IT spending 亿元: national 2.4万亿 (seed); Beijing above 3100, Guangdong above 2800.
spread("it-spending", 24000, 1.2)
quote("北京", "it-spending", 3100, "seed 004: 北京IT支出规模超过3100亿元", True)
quote("广东", "it-spending", 2800, "seed 004: 广东IT支出规模超过2800亿元", True)
# Open data index (开放数林指数, 0-100): ZJ SD SH GZ FJ SC lead with 45 and above (seed); values illustrative.
gmax = max(gdp.values())
for n in names:
    cells[(n, "open-data-index")] = round(min(44.0, 15 + 30 * gdp[n] / gmax), 1)
    notes[(n, "open-data-index")] = ("illustrative", "15 + 30 x GDP / max GDP, capped at 44")
for n, v in zip(["浙江", "山东", "上海", "贵州", "福建", "四川"], [62, 58, 56, 52, 49, 46]):
    cells[(n, "open-data-index")] = v
    notes[(n, "open-data-index")] = ("illustrative", "seed 004 ranks it in the top six with 45 and above; value illustrative")

# Application. Industrial digitalisation 亿元: Guangdong 4.8万亿; JS SD ZJ FJ SH HB SC above 2万亿.
for n in names:
    cells[(n, "industrial-digitalisation")] = 0.35 * gdp[n]
    notes[(n, "industrial-digitalisation")] = ("illustrative", "0.35 x GDP")
quote("广东", "industrial-digitalisation", 48000, "seed 004: 广东产业数字化规模达到4.8万亿元")
for n in ["江苏", "山东", "浙江", "福建", "上海", "湖北", "四川"]:
    quote(n, "industrial-digitalisation", 20000, "seed 004: 产业数字化规模超过2万亿元", True)
# Application cases: 18 provinces have cases; ZJ BJ GD HN are the top four (seed); counts illustrative.
ranked = sorted((n for n in names if n not in ("浙江", "北京", "广东", "湖南")), key=lambda n: -gdp[n])
counts = dict(zip(["浙江", "北京", "广东", "湖南"], [12, 11, 10, 9]))
counts.update({n: max(1, 7 - i // 2) for i, n in enumerate(ranked[:14])})
for n in names:
    cells[(n, "application-cases")] = counts.get(n, 0)
    notes[(n, "application-cases")] = ("illustrative", "top four and 18 provinces with cases from seed 004; counts illustrative")

# Covariates: GDP from data/regions.yaml (estimated there); digital economy 54.2万亿 nationally (seed: 574亿 per
# index point is 1.06‰ of it), spread by GDP^1.2.
for n in names:
    cells[(n, "gdp")] = gdp[n]
    notes[(n, "gdp")] = ("estimated", "data/regions.yaml gdp (2023 provincial communiqués, estimated)")
spread("digital-economy", 574 / 0.00106, 1.2)

order("server-compute", ["北京", "广东", "浙江", "江苏", "上海", "山东", "天津"], "算力规模")
order("ai-server-compute", ["北京", "广东", "浙江", "江苏", "上海", "山东", "天津"], "算力规模")
order("supercomputer-compute", SUPER, "超算算力")
order("equipment-output", ["福建", "天津", "江苏", "山东"], "计算设备")
order("ic-output", ["广东", "甘肃", "上海", "浙江", "北京"], "计算芯片")
order("software-revenue", ["北京", "广东", "江苏", "山东", "上海"], "计算软件")
order("patent-applications", ["北京", "上海", "浙江", "江苏", "山东", "湖南", "湖北", "安徽", "四川"], "创新水平")
order("patent-grants", ["北京", "上海", "浙江", "江苏", "山东", "湖南", "湖北", "安徽", "四川"], "创新水平")
order("computer-rnd", ["江苏", "浙江", "湖北", "上海", "山东", "福建", "安徽", "四川", "北京"], "研发投入")
order("interprovincial-bandwidth", ["广东", "浙江", "江苏", "上海", "北京", "河南", "河北"], "网络环境")
order("it-spending", ["上海", "江苏", "浙江"], "算力投入")


def fmt(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.2f}" if x >= 1 else f"{x:.4f}"


columns = [("server-compute", "EFlops"), ("ai-server-compute", "EFlops"), ("supercomputer-compute", "EFlops"),
           ("equipment-output", "万台"), ("ic-output", "万块"), ("software-revenue", "亿元"),
           ("patent-applications", "件"), ("patent-grants", "件"), ("computer-rnd", "亿元"),
           ("interprovincial-bandwidth", "Tbps"), ("it-spending", "亿元"), ("open-data-index", "/"),
           ("industrial-digitalisation", "亿元"), ("application-cases", "个"), ("gdp", "亿元"),
           ("digital-economy", "亿元")]
with open("data/index/sample-2023.csv", "w", newline="") as f:
    f.write("# 31 provinces, 2023, CAICT compute development index 3.0 indicators. ILLUSTRATIVE except the cells that\n"
            "# sample-2023.provenance.csv marks quoted (seed 004) -- generated by data/index/generate_sample.py.\n")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["region", "year"] + [f"{c} [{u}]" for c, u in columns])
    for n in names:
        w.writerow([n, 2023] + [fmt(cells[(n, c)]) for c, _ in columns])
with open("data/index/sample-2023.provenance.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["region", "indicator", "kind", "note"])
    for n in names:
        for c, _ in columns:
            kind, note = notes[(n, c)]
            w.writerow([n, c, kind, note])
