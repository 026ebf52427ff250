// One small uPlot chart per headline metric. Buckets are the workspace's local times
// (ISO without an offset), drawn as they are: read as UTC and labelled in UTC.
import uPlot from "/static/vendor/uplot/uPlot.esm.js";

const asUtcSeconds = (bucket) =>
  Date.parse(bucket.length === 10 ? `${bucket}T00:00:00Z` : `${bucket}Z`) / 1000;

export class MetricChart {
  constructor(element, label) {
    this.element = element;
    this.label = label;
    this.plot = null;
  }

  show({ buckets, values }) {
    const data = [buckets.map(asUtcSeconds), values];
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    this.plot = new uPlot(
      {
        width: this.element.clientWidth || 320,
        height: 140,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
        axes: [{ size: 30 }, { size: 50 }],
        series: [{}, { label: this.label, stroke: "#2563eb", fill: "rgba(37,99,235,0.12)" }],
      },
      data,
      this.element,
    );
  }

  clear() {
    this.plot?.destroy();
    this.plot = null;
  }
}
