"""The picture of ``runs stats``: per bundle version, the success rate, the CPU (or money) per
run and each target metric's mean. matplotlib draws it (PNG or SVG, by the file's suffix); it is
a development and lab dependency, not the runtime's, so without it this is a one-line error."""

from __future__ import annotations

import io
from pathlib import Path

from notebook_ops.errors import NotebookOpsError, ParameterError
from notebook_ops.execution.stats import RunStats
from notebook_ops.util.atomic import write_bytes

FORMATS = (".png", ".svg")


class PlotUnavailable(NotebookOpsError):
    """matplotlib is not installed where notebook-ops runs."""


def check_plot_path(path) -> Path:
    """``path`` if it names a format the plot is drawn in, else ParameterError."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ParameterError("the plot is written as .png or .svg", path=path, hint="name it e.g. stats.png")
    return path


def plot_stats(stats: RunStats, path) -> Path:
    """Draw ``stats`` to ``path`` (.png or .svg), written atomically; the path written."""
    path = check_plot_path(path)
    try:
        import matplotlib  # noqa: PLC0415 - matplotlib (~0.5 s) only for --plot
    except ImportError:
        raise PlotUnavailable(
            "--plot needs matplotlib, which is not installed", hint="pip install matplotlib"
        ) from None
    matplotlib.use("Agg", force=True)  # no display: files only

    import matplotlib.pyplot as plt  # noqa: PLC0415 - matplotlib only for --plot

    labels = [v.version if v.version == "notebook" else f"v{v.version}" for v in stats.versions]
    money = stats.cost_per_cpu_hour is not None
    panels = 2 + (1 if stats.metrics else 0)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6), squeeze=False)
    ax = axes[0][0]
    ax.bar(labels, [v.success_rate * 100 for v in stats.versions], color="#4c9f70")
    ax.set_ylim(0, 100)
    ax.set_title("success rate (%)")
    ax = axes[0][1]
    per_run = [(v.cost_per_run if money else v.mean_cpu_s) or 0.0 for v in stats.versions]
    ax.bar(labels, per_run, color="#c47f2c")
    ax.set_title("cost per run" if money else "CPU seconds per run")
    if stats.metrics:
        ax = axes[0][2]
        for metric in stats.metrics:
            xs = [i for i, v in enumerate(stats.versions) if metric in v.metrics]
            ax.plot(
                [labels[i] for i in xs],
                [stats.versions[i].metrics[metric].mean for i in xs],
                marker="o",
                label=metric,
            )
        ax.set_title("target metrics (mean per version)")
        ax.legend(fontsize="small")
    fig.suptitle(f"runs of {stats.pipeline}" if stats.pipeline else "runs")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lower()[1:])
    plt.close(fig)
    write_bytes(path, buf.getvalue())
    return path
