"""notebooks/: each notebook runs headless (jupyter nbconvert --execute, Debian's /usr/bin/python3
kernel) against a database the demo's job wrote (the generated smart city, 4,000 twins), without
an error, drawing its figures; what it prints is checked for sense: 02's ROC AUCs are numbers in
[0, 1] for three feature sets, 03's blast radius computed with networkx equals the engine's
reach_downstream and dark_if_fails. The notebooks in git carry no outputs (clean filter)."""
import json
import os
import re
import subprocess
import tempfile

from twintest import REPO, Database, Tally, run_job

tally = Tally()
check = tally.check
NOTEBOOKS = os.path.join(REPO, "notebooks")
FIGURES = {"01_explore_features": 4, "02_predict_rollout_failure": 1, "03_influence_and_blast_radius": 3}


def outputs(nb):
    texts, figures, errors = [], 0, []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                texts.append("".join(out["text"]))
            elif out["output_type"] == "error":
                errors.append(out["ename"] + ": " + out["evalue"])
            elif "image/png" in out.get("data", {}):
                figures += 1
    return "\n".join(texts), figures, errors


for name in FIGURES:
    nb = json.load(open(os.path.join(NOTEBOOKS, name + ".ipynb")))
    stripped = all(not c.get("outputs") and c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
    check(stripped, f"{name}: committed with outputs (git config filter.strip-notebook-outputs.clean, notebooks/README.md)")

with Database("notebooks") as db, tempfile.TemporaryDirectory() as out_dir:
    env = dict(os.environ, PGHOST=db.env["PGHOST"], PGPORT=db.env["PGPORT"], PGUSER=db.env["PGUSER"], PGDATABASE=db.name,
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    subprocess.run([os.path.join(REPO, "datasets", "load_smart_city.sh"), "--twins", "4000"], env=env, check=True,
                   capture_output=True)
    run_job(db, open(os.path.join(REPO, "datasets", "smart_city.job.json")).read())
    for name, want_figures in FIGURES.items():
        proc = subprocess.run(["jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", out_dir,
                               "--ExecutePreprocessor.timeout=600", os.path.join(NOTEBOOKS, name + ".ipynb")],
                              env=env, capture_output=True, text=True)
        if not check(proc.returncode == 0, f"{name}: nbconvert exited {proc.returncode}: {proc.stderr[-1500:]}"):
            continue
        text, figures, errors = outputs(json.load(open(os.path.join(out_dir, name + ".ipynb"))))
        check(not errors, f"{name}: errors {errors}")
        check(figures >= want_figures, f"{name}: {figures} figures, want {want_figures}")
        if name == "01_explore_features":
            check("4,000 twins" in text and "most correlated pair" in text, f"{name}: {text[:300]}")
        if name == "02_predict_rollout_failure":
            aucs = re.findall(r"held-out districts, (properties \+ \w+ graph features): ([0-9.]+) against ([0-9.]+)", text)
            check(len(aucs) == 2 and all(0 <= float(a) <= 1 and 0 <= float(b) <= 1 for _, a, b in aucs),
                  f"{name}: ROC AUC lines {aucs}")
            print("rollout ROC AUC:", "; ".join(f"{n} {a} (properties only {b})" for n, a, b in aucs))
        if name == "03_influence_and_blast_radius":
            m = re.search(r"(\d+) twins downstream, (\d+) go dark; the engine says reach_downstream (\d+), "
                          r"dark_if_fails (\d+)", text)
            check(m and m.group(1) == m.group(3) and m.group(2) == m.group(4), f"{name}: blast radius {m and m.groups()}")
            check("Spearman rank correlation" in text, f"{name}: no sensitivity line")

tally.report("notebooks")
