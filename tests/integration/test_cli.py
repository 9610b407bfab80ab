"""The command line: help, version, feature dictionary, usage errors and their exit codes."""

import os

from twintest import REPO, run_twingraph, write_job

help_ = run_twingraph(["--help"])
assert "twingraph run JOB.json" in help_.stdout and "Exit codes" in help_.stdout, help_.stdout

version = run_twingraph(["--version"])
assert version.stdout.startswith("twingraph ") and "igraph 0.10" in version.stdout, version.stdout

features = run_twingraph(["features"])
for name in ["degree", "pagerank", "betweenness", "harmonic", "coreness", "clustering", "component",
             "component_id", "component_size", "in_degree", "out_degree"]:
    assert name in features.stdout, f"{name} missing from the feature dictionary"

for args, code in [([], 2), (["frobnicate"], 2), (["run"], 2), (["run", "a.json", "--bogus"], 2),
                   (["run", "a.json", "--db"], 2), (["features", "extra"], 2),
                   (["run", "/nonexistent/job.json"], 1), (["validate", "/nonexistent/job.json"], 1)]:
    proc = run_twingraph(args, check=False)
    assert proc.returncode == code, f"twingraph {args}: exit {proc.returncode}, want {code}\n{proc.stderr}"
    assert proc.stderr.startswith("twingraph: error:") or not args, proc.stderr
    assert proc.stdout == "" or not args, f"twingraph {args} printed to stdout: {proc.stdout!r}"

# A database that cannot be reached is exit code 3, and the password never appears.
job = write_job({"features": ["degree"]})
proc = run_twingraph(["run", job, "--db", "host=/nonexistent-socket-dir dbname=x user=u password=s3cret-pw"], check=False)
assert proc.returncode == 3, (proc.returncode, proc.stderr)
assert "s3cret-pw" not in proc.stderr + proc.stdout, proc.stderr
assert "could not connect" in proc.stderr, proc.stderr

valid = run_twingraph(["validate", write_job({"features": ["degree", {"name": "pagerank", "layer": "relationships"}]})])
assert "pagerank_relationships" in valid.stdout, valid.stdout

# docs/features.md is the registry's own Markdown: regenerate it when a feature changes.
markdown = run_twingraph(["features", "--markdown"]).stdout
with open(os.path.join(REPO, "docs", "features.md")) as f:
    assert f.read() == markdown, ("docs/features.md differs from `twingraph features --markdown`: "
                                  "run build/twingraph features --markdown > docs/features.md")
for name in ["degree", "betweenness", "influence_top", "rollout", "geo_knn_mean_m"]:
    assert f"### `{name}`" in markdown, f"{name} missing from the Markdown dictionary"

print("cli: 1 passed, 0 failed")
