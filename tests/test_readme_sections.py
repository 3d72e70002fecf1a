"""The README's blocks that need no quick-start run (your own data,
conditional densities, the Python API) run as written, in one fresh folder,
beside `test_readme.py` (which runs the rest)."""

import readme_blocks


def test_the_blocks_that_need_no_quick_start_run(tmp_path):
  chosen = [b for b in readme_blocks.blocks()
            if b[0] not in readme_blocks.USES_THE_QUICK_START]
  sections = {b[0] for b in chosen}
  assert {"Your own data", "Conditional densities p(x | c)",
          "The Python API"} <= sections, sections
  assert readme_blocks.run(chosen, str(tmp_path)) >= 7
  assert (tmp_path / "runs" / "digits_given" / "results.json").exists()
  assert (tmp_path / "scorer" / "saved_model.pb").exists()
