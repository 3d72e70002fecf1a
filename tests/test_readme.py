"""The README's quick start and every block that uses its run run as written
(tiny model settings; `readme_blocks.py` says what is appended and what is
not run), and CI runs the README's install and test commands.
`test_readme_sections.py` runs the other blocks, beside this file."""

import os
import re

import readme_blocks
from realnvp_testing import ROOT


def test_the_quick_start_and_the_blocks_that_use_its_run(tmp_path):
  chosen = [b for b in readme_blocks.blocks()
            if b[0] in readme_blocks.USES_THE_QUICK_START]
  assert {b[0] for b in chosen} == set(readme_blocks.USES_THE_QUICK_START)
  assert readme_blocks.run(chosen, str(tmp_path)) >= 8
  assert (tmp_path / "runs" / "digits" / "flags.txt").exists()
  assert (tmp_path / "runs" / "digits_cond" / "results.json").exists()
  assert (tmp_path / "exported" / "saved_model.pb").exists()


def test_ci_runs_the_readme_install_and_test_commands_in_a_new_venv():
  """.ci/run holds the README's two "Tests" blocks, line for line, in that
  order (each line followed by `|| exit 1`; the second block's Python 3.10
  is found by .ci/run on the machine)."""
  section = re.search(r"^## Tests\n(.*?)(?=^## |\Z)",
                      readme_blocks.readme_text(), re.S | re.M).group(1)
  newest, lowest = [block.strip().splitlines() for block in
                    re.findall(r"^```bash\n(.*?)^```", section, re.S | re.M)]
  with open(os.path.join(ROOT, ".ci", "run")) as f:
    ci = [line.strip().removesuffix(" || exit 1") for line in f
          if not line.startswith("#")]
  assert newest[0].startswith("python3 -m venv")
  assert lowest[0].startswith("python3.10 -m venv .venv-min")
  assert '"$python_min" -m venv .venv-min && . .venv-min/bin/activate' in ci
  lines = newest + lowest[1:]
  where = [ci.index(line) for line in lines]
  assert where == sorted(where), (lines, ci)
