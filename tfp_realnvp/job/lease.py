"""The lease: one training run owns a model_dir at a time, on any host.

A run writes `LEASE` in its model_dir (holder id, host, pid, when it was
taken and last renewed) and renews it every `timeout / 4` seconds from a
background thread. Another run that finds the file:

  * takes it over at once if it was last renewed more than `timeout` ago
    (whatever host wrote it: a dead pod's lease expires), or if its holder
    was a process of this host that has ended;
  * otherwise watches it, polling every second, for what remains of the
    timeout: a renewal means its holder lives, and the run is refused
    naming it (`ModelDirBusy`); no renewal means its holder died (a
    `kill -9`, a pod whose new incarnation has another hostname, a pid
    that a new container reuses), and the run takes over when it expires.

A run whose renewal finds the lease held by another run (it was paused past
the timeout and taken over) stops before its next save (`check()` raises
`LeaseLost`), so two runs never write one model_dir.

Local files and object stores alike go through `storage.py`. Neither gives
an exclusive create through `tf.io.gfile`: two runs starting within the
same second can both write the lease; each reads it back after writing and
the one that does not find itself is refused, and the renewals catch the
rest. On a bucket this is best effort (README, "Long runs on the cloud").
"""

import os
import socket
import threading
import time
import uuid

from tfp_realnvp import storage


class ModelDirBusy(RuntimeError):
  """Another live training run owns the model_dir."""


class LeaseLost(RuntimeError):
  """Another run took over this run's lease: this run must not save."""


def describe(holder):
  return (f"pid {holder.get('pid')} on {holder.get('host')}, since "
          f"{time.ctime(holder.get('since', 0))}")


def _process_ended(pid):
  """Whether process `pid` of this host has ended."""
  try:
    os.kill(int(pid), 0)
  except (ProcessLookupError, TypeError, ValueError):
    return True
  except PermissionError:
    return False
  return False


class Lease:
  """Owns the folder of `path` (the lease file) while the `with` block runs.

  Args:
    path: the lease file.
    timeout: seconds without a renewal after which a lease is stale.
    poll: seconds between reads while watching another run's lease.
  """

  def __init__(self, path, timeout, poll=1.0):
    self.path, self.timeout = path, float(timeout)
    self.renew_every, self.poll = self.timeout / 4, min(poll, self.timeout / 4)
    now = time.time()
    self.me = {"holder": uuid.uuid4().hex, "host": socket.gethostname(),
               "pid": os.getpid(), "since": now, "renewed": now}
    self._stop = threading.Event()
    self._thread = None
    self.lost_to = None

  def _read(self):
    try:
      return storage.read_json(self.path)
    except Exception:  # pylint: disable=broad-except  (absent, half-read)
      return None

  def _write(self):
    self.me["renewed"] = time.time()
    storage.write_json(self.path, self.me)

  def _busy(self, holder):
    return ModelDirBusy(
        f"model_dir {storage.dirname(self.path)} is in use by another "
        f"training run ({describe(holder)}; it renewed its lease "
        f"{self.path}). Two runs in one model_dir would overwrite each "
        "other's checkpoints: wait for it to end, or use another "
        "--model_dir. (A lease is stale after --lease_timeout="
        f"{self.timeout:g} s without renewal; a later run then takes over.)")

  def acquire(self):
    """Takes the lease, waiting for a fresh one of a silent run to expire;
    raises `ModelDirBusy` if its holder renews it."""
    storage.makedirs(storage.dirname(self.path))
    holder = self._read()
    if holder is not None and holder.get("holder") != self.me["holder"]:
      self._wait_for(holder)
    self._write()
    mine = self._read()
    if mine is not None and mine.get("holder") != self.me["holder"]:
      raise self._busy(mine)  # another run wrote it at the same moment

  def _wait_for(self, holder):
    age = time.time() - float(holder.get("renewed", 0))
    ended = (holder.get("host") == self.me["host"] and
             holder.get("pid") != self.me["pid"] and
             _process_ended(holder.get("pid")))
    if ended or age > self.timeout:
      why = ("its process has ended" if ended else
             f"not renewed for {age:.0f} s")
      print(f"Taking over the lease of a stopped run ({describe(holder)}; "
            f"{why}).", flush=True)
      return
    remaining = self.timeout - max(age, 0.)
    print(f"model_dir {storage.dirname(self.path)} is leased by another run "
          f"({describe(holder)}), renewed {max(age, 0.):.0f} s ago: waiting "
          f"up to {remaining:.0f} s to see whether it is alive (a live run "
          f"renews its lease every {self.renew_every:g} s) ...", flush=True)
    deadline = time.monotonic() + remaining
    while time.monotonic() < deadline:
      time.sleep(self.poll)
      now = self._read()
      if now is None:  # released
        return
      if now != holder:
        raise self._busy(now)
    print(f"The lease expired: taking over ({describe(holder)}).", flush=True)

  def check(self):
    """Raises `LeaseLost` if another run took the lease over (read now: a
    run that was paused may save before its renewal thread wakes)."""
    holder = self._read()
    if holder is not None and holder.get("holder") != self.me["holder"]:
      self.lost_to = holder
    if self.lost_to is not None:
      raise LeaseLost(
          f"Stopped before saving: another run took over this model_dir's "
          f"lease ({describe(self.lost_to)}) while this run did not renew "
          f"it for --lease_timeout={self.timeout:g} s. That run continues "
          "from the last saved state.")

  def _renew(self):
    while not self._stop.wait(self.renew_every):
      holder = self._read()
      if holder is not None and holder.get("holder") != self.me["holder"]:
        self.lost_to = holder
        return
      try:
        self._write()
      except Exception:  # pylint: disable=broad-except  (a network blip:
        pass             # the next renewal tries again, well within timeout)

  def __enter__(self):
    self.acquire()
    self._thread = threading.Thread(target=self._renew, daemon=True,
                                    name="lease-renewal")
    self._thread.start()
    return self

  def release(self):
    """Stops renewing; removes the lease if it is still this run's."""
    self._stop.set()
    if self._thread is not None:
      self._thread.join()
    holder = self._read()
    if holder is not None and holder.get("holder") == self.me["holder"]:
      storage.remove(self.path)

  def __exit__(self, *exc):
    self.release()
