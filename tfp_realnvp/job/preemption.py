"""SIGTERM and SIGINT: a preempted run saves its state and exits with `EXIT_CODE`.

Preemptible VMs and Kubernetes send SIGTERM and, about 30 s later
(`terminationGracePeriodSeconds`), SIGKILL. Python's default action for
SIGTERM ends the process at once. While a training run lives, `Watch`
replaces it (and SIGINT's KeyboardInterrupt) with a handler that only
records the signal:

  * during `fit` the training state callback (`state.py`) sees it at the
    next batch end, saves the state and raises `Preempted`;
  * before and after `fit` (data preparation, the test score) nothing is
    lost by stopping, and the handler raises `Preempted` at once.

A second signal gets the previous handler (a second Ctrl-C interrupts
anything). `cli.py` prints `Preempted`'s message (where the run stopped and
the command that resumes it) and exits with `EXIT_CODE`, which a Kubernetes
`podFailurePolicy` can tell from a failure.
"""

import signal
import threading

EXIT_CODE = 75  # EX_TEMPFAIL of sysexits.h: "try again later"
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Preempted(Exception):
  """The run was stopped by a signal after saving its state; the message
  says where it stopped and how to resume."""


class Watch:
  """Records SIGTERM/SIGINT while the `with` block runs.

  `deferred` (set by the training loop around `fit`) makes the handler only
  record the signal; otherwise it raises `Preempted` at once.
  """

  def __init__(self, resume_hint=""):
    self.received = None
    self.deferred = False
    self.resume_hint = resume_hint
    self._previous = {}

  def _handle(self, signum, frame):
    del frame
    self.received = signal.Signals(signum).name
    for number, handler in self._previous.items():  # a second one: as before
      signal.signal(number, handler)
    if not self.deferred:
      raise Preempted(f"Stopped by {self.received} outside training; "
                      f"nothing was lost. {self.resume_hint}".strip())

  def __enter__(self):
    if threading.current_thread() is threading.main_thread():
      for number in SIGNALS:
        self._previous[number] = signal.signal(number, self._handle)
    return self

  def __exit__(self, *exc):
    for number, handler in self._previous.items():
      signal.signal(number, handler)
    self._previous = {}
