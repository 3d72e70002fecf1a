"""Long runs: SIGTERM and resume, kill -9 and a restart on another host, the lease.

Real `train.py` processes get real signals; "another host" is a process
with its own hostname (`unshare --uts`, as root), as a restarted pod is.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

import realnvp_testing
from realnvp_testing import TrainPy
from realnvp_testing import read_weights
from realnvp_testing import report
from tfp_realnvp.job import PREEMPTED_EXIT_CODE
from tfp_realnvp.job.lease import Lease
from tfp_realnvp.job.lease import LeaseLost
from tfp_realnvp.job.lease import ModelDirBusy

# Two epochs long enough (~10 s each here) to stop inside one.
EPOCH = 1000
FLAGS = [*realnvp_testing.TINY_FLAGS, "--num_scales=1", "--epochs=2",
         f"--steps_per_epoch={EPOCH}", "--learning_rate=0.003",
         "--save_every=0"]


def _log(model_dir):
  with open(os.path.join(model_dir, "log.csv")) as f:
    return list(csv.DictReader(f))


def _results(model_dir):
  with open(os.path.join(model_dir, "results.json")) as f:
    return json.load(f)


def _stop_line(output):
  return next(line for line in output.splitlines()
              if line.startswith("Stopped by SIGTERM"))


def _step_of(line):
  return int(line.split(" at step ")[1].split()[0])


def test_sigterm_saves_within_the_notice_and_the_same_command_resumes_exactly(
    tmp_path):
  """Two SIGTERMs in one epoch, the second in the resumed part: the run
  ends with exactly epochs x steps optimizer steps and the same weights as
  a run that never stopped (same data order, same noise draws)."""
  reference = TrainPy(*FLAGS, f"--model_dir={tmp_path / 'reference'}",
                      log_path=tmp_path / "reference.txt")
  model_dir = tmp_path / "run"
  command = [*FLAGS, f"--model_dir={model_dir}"]
  stops = []
  try:
    for attempt in range(2):
      run = TrainPy(*command, log_path=tmp_path / f"run{attempt}.txt")
      if attempt == 0:  # into epoch 2
        run.wait_for(lambda: (model_dir / "log.csv").exists() and
                     len(_log(model_dir)) == 1)
        time.sleep(1.5)
      else:  # into the resumed part of epoch 2
        run.wait_for(lambda: "Resuming at step" in run.output)
        time.sleep(4)
      sent = time.monotonic()
      run.signal(signal.SIGTERM)
      code = run.wait(60)
      stops.append(time.monotonic() - sent)
      assert code == PREEMPTED_EXIT_CODE, run.output[-3000:]
      line = _stop_line(run.output)
      step = _step_of(line)
      assert EPOCH < step < 2 * EPOCH, line  # inside epoch 2
      assert "(epoch 2)" in line and "same command again" in line
      state = json.loads((model_dir / "backup" / "state.json").read_text())
      assert (state["step"], state["epoch"], state["batch"]) == (
          step, 1, step - EPOCH)
      assert not (model_dir / "LEASE").exists()  # released on the way out
      if stops[1:]:
        assert step > previous  # the resumed run trained on
      previous = step
      report(f"SIGTERM {attempt + 1}", f"{line}  (exit {code} after "
             f"{stops[-1]:.1f} s)")
    final = TrainPy(*command, log_path=tmp_path / "run2.txt")
    assert final.wait() == 0, final.output[-3000:]
    assert f"Resuming at step {previous} (epoch 2, batch " \
        f"{previous - EPOCH + 1})" in final.output
    assert reference.wait() == 0, reference.output[-3000:]
  finally:
    reference.kill()
  assert _results(model_dir)["steps"] == 2 * EPOCH
  assert [int(r["epoch"]) for r in _log(model_dir)] == [0, 1]  # continued
  ours = read_weights(model_dir / "checkpoints" / "epoch_0002.weights.h5")
  theirs = read_weights(tmp_path / "reference" / "checkpoints" /
                        "epoch_0002.weights.h5")
  assert ours.keys() == theirs.keys()
  for name in ours:
    np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
  assert max(stops) < 20  # well within a 30 s notice
  report("resumed twice vs never stopped",
         f"{2 * EPOCH} steps each; {len(ours)} arrays bit-identical")


def _can_unshare():
  try:
    return subprocess.run(["unshare", "--uts", "true"],
                          capture_output=True).returncode == 0
  except FileNotFoundError:
    return False


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare --uts` (root "
                    "on Linux) to give a process another hostname")
def test_kill_9_then_a_pod_on_another_host_takes_over_after_the_lease_expires(
    tmp_path):
  model_dir = tmp_path / "run"
  command = [*FLAGS, f"--model_dir={model_dir}", "--lease_timeout=12",
             "--save_every=1"]
  first = TrainPy(*command, log_path=tmp_path / "pod-a.txt", host="pod-a")
  try:
    state_file = model_dir / "backup" / "state.json"

    def saved_inside_epoch_2():
      if not state_file.exists():
        return False
      saved = json.loads(state_file.read_text())  # replaced whole, by rename
      return saved["epoch"] == 1 and saved["batch"] > 0

    first.wait_for(saved_inside_epoch_2)  # a save of the 1 s timer
    lease = json.loads((model_dir / "LEASE").read_text())
    assert lease["host"] == "pod-a"
    # While it lives, a second run is refused, naming the holder, as soon
    # as the holder renews (every timeout / 4 = 1 s).
    begin = time.monotonic()
    with pytest.raises(ModelDirBusy, match=rf"in use by another training run "
                       rf"\(pid {lease['pid']} on pod-a"):
      Lease(str(model_dir / "LEASE"), 12).acquire()
    report("live lease refused after", f"{time.monotonic() - begin:.1f} s")
    first.signal(signal.SIGKILL)
    first.wait()
  finally:
    first.kill()
  assert (model_dir / "LEASE").exists()  # left behind by the dead run
  state = json.loads(state_file.read_text())
  assert state["epoch"] == 1 and state["batch"] > 0  # the timer's save

  second = TrainPy(*command, log_path=tmp_path / "pod-b.txt", host="pod-b")
  assert second.wait() == 0, second.output[-3000:]
  out = second.output
  assert f"is leased by another run (pid {lease['pid']} on pod-a" in out
  assert "The lease expired: taking over" in out
  assert (f"Resuming at step {state['step']} (epoch 2, batch "
          f"{state['batch'] + 1})") in out
  assert _results(model_dir)["steps"] == 2 * EPOCH
  assert [int(r["epoch"]) for r in _log(model_dir)] == [0, 1]
  assert not (model_dir / "LEASE").exists()
  report("kill -9, restart on another host",
         next(line for line in out.splitlines() if "is leased" in line))


def _write_lease(path, **holder):
  path.write_text(json.dumps({"holder": "x", "since": 0, **holder}))


def test_a_lease_of_an_ended_process_or_a_stale_one_is_taken_over_at_once(
    tmp_path, capsys):
  path = tmp_path / "LEASE"
  dead = subprocess.Popen(["true"])
  dead.wait()
  _write_lease(path, host=socket.gethostname(), pid=dead.pid,
               renewed=time.time())
  with Lease(str(path), 60) as lease:
    assert json.loads(path.read_text())["holder"] == lease.me["holder"]
  assert "its process has ended" in capsys.readouterr().out
  assert not path.exists()
  _write_lease(path, host="elsewhere", pid=1, renewed=time.time() - 3600)
  begin = time.monotonic()
  with Lease(str(path), 60):
    pass
  assert time.monotonic() - begin < 5
  assert "not renewed for 3600 s" in capsys.readouterr().out


def test_a_silent_fresh_lease_expires_and_a_renewed_one_is_refused(tmp_path):
  path = tmp_path / "LEASE"
  _write_lease(path, host="elsewhere", pid=os.getpid(), renewed=time.time())
  begin = time.monotonic()
  with Lease(str(path), 2):  # waits out the 2 s: nobody renews
    waited = time.monotonic() - begin
  assert 1.5 < waited < 5
  with Lease(str(path), 2) as holder:  # renews every 0.5 s
    with pytest.raises(ModelDirBusy, match=f"pid {os.getpid()} on "):
      Lease(str(path), 2).acquire()
    assert json.loads(path.read_text())["holder"] == holder.me["holder"]


def test_a_run_whose_lease_was_taken_over_stops_before_saving(tmp_path):
  path = tmp_path / "LEASE"
  with Lease(str(path), 1) as lease:
    lease.check()
    _write_lease(path, host="pod-b", pid=7, renewed=time.time())
    deadline = time.monotonic() + 5
    while lease.lost_to is None and time.monotonic() < deadline:
      time.sleep(0.05)
    with pytest.raises(LeaseLost, match=r"another run took over .*pid 7 on "
                       "pod-b"):
      lease.check()
  assert json.loads(path.read_text())["host"] == "pod-b"  # not removed


def test_sigterm_outside_fit_stops_at_once(tmp_path):
  from tfp_realnvp.job import preemption  # pylint: disable=g-import-not-at-top
  before = signal.getsignal(signal.SIGTERM)
  with preemption.Watch("Resume with the same command.") as watch:
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    with pytest.raises(preemption.Preempted, match="SIGTERM outside "
                       "training; nothing was lost. Resume with"):
      time.sleep(5)
    assert watch.received == "SIGTERM"
  assert signal.getsignal(signal.SIGTERM) == before


def test_a_sigterm_to_one_worker_stops_both_at_one_step_and_both_resume(
    tmp_path):
  model_dir = tmp_path / "run"
  cluster = {"worker": [f"127.0.0.1:{realnvp_testing.free_port()}"
                        for _ in range(2)]}
  command = ["--dataset=moons", "--batch_size=256", "--eval_draws=1",
             "--sample_every=100", "--time_limit=0", "--epochs=1",
             "--steps_per_epoch=150", "--strategy=multi_worker",
             "--save_every=1", f"--model_dir={model_dir}"]

  def workers(attempt):
    return [TrainPy(*command, log_path=tmp_path / f"w{i}_{attempt}.txt",
                    env={**realnvp_testing.ENV, "TF_CONFIG": json.dumps(
                        {"cluster": cluster,
                         "task": {"type": "worker", "index": i}})})
            for i in range(2)]

  chief, other = workers(0)
  try:
    state = model_dir / "backup" / "state.json"
    chief.wait_for(state.exists)  # training, saved by the 1 s timer
    other.signal(signal.SIGTERM)  # only the non-chief is told
    codes = [chief.wait(120), other.wait(120)]
  finally:
    chief.kill()
    other.kill()
  assert codes == [PREEMPTED_EXIT_CODE] * 2, chief.output[-2000:]
  steps = [_step_of(next(line for line in w.output.splitlines()
                         if line.startswith("Stopped by")))
           for w in (chief, other)]
  assert steps[0] == steps[1] == json.loads(state.read_text())["step"]
  assert 0 < steps[0] < 150 and steps[0] % 10 == 0  # state.SYNC_EVERY
  assert "Stopped by another worker's signal" in chief.output
  resumed = workers(1)
  assert [w.wait(240) for w in resumed] == [0, 0], resumed[0].output[-2000:]
  assert f"Resuming at step {steps[0]}" in resumed[1].output
  assert _results(model_dir)["steps"] == 150
  report("multi-worker SIGTERM to worker 1", f"both stopped at step "
         f"{steps[0]}; resumed to 150")
