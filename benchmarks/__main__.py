"""``python -m benchmarks``: the benchmark command (see :mod:`benchmarks.cli`)."""

from benchmarks.cli import bench

if __name__ == "__main__":
    bench(prog_name="python -m benchmarks")
