"""The app as gunicorn serves it in the benchmarks: BENCH_MODE adds the query counter."""

import os

from bench.common import bench_app

app = bench_app(os.environ["DATABASE_URL"], BENCH_MODE=True, SECRET_KEY=os.environ["SECRET_KEY"])
