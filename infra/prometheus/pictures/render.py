"""Draws the main panels of infra/dashboards/grafana/tributary.json (freshness against SLO, rows
per run, Kafka lag) from the local Prometheus's query_range answers, as PNGs for
docs/observability.md. Usage: render.py START END OUTDIR (Unix seconds; pictures.sh passes them)."""
import json
import pathlib
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
PROM = "http://127.0.0.1:9090"
# Panel title -> the PNG, and the pipelines it shows (the load's fact pipeline for freshness, its topic for lag).
PANELS = {
    "Freshness against SLO": ("freshness-slo.png", "orders"),
    "Rows per run": ("rows-per-run.png", "orders|clicks"),
    "Kafka lag": ("kafka-lag.png", "clicks"),
}


def query_range(expr, start, end):
    qs = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": "5"})
    with urllib.request.urlopen(f"{PROM}/api/v1/query_range?{qs}", timeout=30) as res:
        body = json.load(res)
    if body["status"] != "success":
        raise SystemExit(f"query_range failed for {expr}: {body}")
    return body["data"]["result"]


def legend(fmt, labels):
    out = fmt
    for k, v in labels.items():
        out = out.replace("{{" + k + "}}", v)
    return out


def main():
    start, end, outdir = float(sys.argv[1]), float(sys.argv[2]), pathlib.Path(sys.argv[3])
    outdir.mkdir(parents=True, exist_ok=True)
    dash = json.loads((ROOT / "infra/dashboards/grafana/tributary.json").read_text())
    for panel in dash["panels"]:
        if panel["title"] not in PANELS:
            continue
        fig, ax = plt.subplots(figsize=(9, 4), dpi=100)
        drawn = 0
        for target in panel["targets"]:
            expr = target["expr"]
            variables = {"$pipeline": PANELS[panel["title"]][1], "$region": ".*", "$cell": ".*", "$__rate_interval": "1m"}
            for k, v in variables.items():
                expr = expr.replace(k, v)
            for series in query_range(expr, start, end):
                xs = [datetime.fromtimestamp(float(t), tz=timezone.utc) for t, _ in series["values"]]
                ys = [float(v) for _, v in series["values"]]
                dashed = target["refId"] == "B" and panel["title"] == "Freshness against SLO"
                ax.plot(xs, ys, linestyle="--" if dashed else "-", linewidth=1.6, label=legend(target["legendFormat"], series["metric"]))
                drawn += 1
        if drawn == 0:
            raise SystemExit(f'panel "{panel["title"]}": Prometheus returned no series')
        unit = panel["fieldConfig"]["defaults"]["unit"]
        ax.set_title(panel["title"])
        ax.set_ylabel({"s": "seconds", "short": ""}.get(unit, unit))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S", tz=timezone.utc))
        ax.set_xlabel("UTC")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        png = outdir / PANELS[panel["title"]][0]
        fig.savefig(png)
        plt.close(fig)
        print(f"wrote {png} ({drawn} series)")


main()
