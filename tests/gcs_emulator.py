"""A local Google Cloud Storage that TensorFlow's own GCS client talks to, offline.

TensorFlow's `gs://` file system has Google's API hosts compiled in, but its
libcurl follows `https_proxy` and trusts `CURL_CA_BUNDLE`. So:

    TensorFlow (gs://) --CONNECT--> proxy (TLS with a test CA's certificate
    for *.googleapis.com) --plain HTTP--> gcp-storage-emulator (in memory)

`LocalGCS()` (a context manager) starts a process that makes the CA with
`openssl`, runs both servers on free ports of 127.0.0.1 and creates
`bucket`; `env` is what a process needs to use it (the proxy, the CA,
a dummy token, no metadata-server probe, one retry), `apply()` sets it in
this process. Nothing here decides whether a path works: TensorFlow's GCS
client and the emulator's JSON API do.

The emulator needs three changes for TensorFlow's client (applied to its
classes when the servers start): the upload URLs it hands out are https
(TensorFlow sends them through the proxy), an empty media upload is an
empty object (TensorFlow's folder markers), and a request carrying both
`Transfer-Encoding: chunked` and `Content-Length` is read as chunked (RFC
9112 6.3). Its HTTP server is made threaded, as TensorFlow keeps several
connections open.
"""

import http.server
import os
import selectors
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

HOSTS = ("www.googleapis.com", "storage.googleapis.com",
         "oauth2.googleapis.com")


def available():
  """Why a local GCS cannot run here, or None if it can."""
  try:
    import gcp_storage_emulator  # noqa: F401 pylint: disable=g-import-not-at-top,unused-import
  except ImportError:
    return "gcp-storage-emulator is not installed (pip install -e '.[test]')"
  try:
    subprocess.run(["openssl", "version"], check=True, capture_output=True)
  except (OSError, subprocess.CalledProcessError):
    return "openssl (to make a test CA) is not on PATH"
  return None


def _free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def _certificates(folder):
  """(CA file, server certificate file, server key file) in `folder`."""
  def run(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True,
                   cwd=folder)
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
      "-out", "ca.pem", "-days", "2", "-subj", "/CN=tfp_realnvp test CA",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
      "-out", "server.csr", "-subj", f"/CN={HOSTS[0]}")
  with open(os.path.join(folder, "ext.cnf"), "w") as f:
    f.write("subjectAltName=" + ",".join(f"DNS:{h}" for h in HOSTS) + "\n")
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
      "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
      "-extfile", "ext.cnf")
  return tuple(os.path.join(folder, n)
               for n in ("ca.pem", "server.pem", "server.key"))


def _patch_emulator():
  """The three changes of the module docstring, and a threaded server."""
  from gcp_storage_emulator import server  # pylint: disable=g-import-not-at-top
  if getattr(server, "_tfp_realnvp_patched", False):
    return
  init = server.Request.__init__

  def https_init(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self._base_url = self._base_url.replace("http://", "https://", 1)  # pylint: disable=protected-access
    self._full_url = self._full_url.replace("http://", "https://", 1)  # pylint: disable=protected-access
  server.Request.__init__ = https_init

  read_raw = server._read_raw_data  # pylint: disable=protected-access

  def chunked_first(handler):
    encoding = handler.headers.get("Transfer-Encoding", "")
    if encoding.lower() == "chunked" and handler.headers.get("Content-Length"):
      del handler.headers["Content-Length"]
    return read_raw(handler) or b""
  server._read_raw_data = chunked_first  # pylint: disable=protected-access

  # `_read_data` turns an empty body into None; an empty media upload is an
  # empty object.
  read_data = server._read_data  # pylint: disable=protected-access

  def empty_is_bytes(handler, query):
    data = read_data(handler, query)
    if data is None and query.get("uploadType") in (["media"], ["resumable"]):
      return b""
    return data
  server._read_data = empty_is_bytes  # pylint: disable=protected-access
  server.server.HTTPServer = http.server.ThreadingHTTPServer
  # HTTP/1.1 answers curl's `Expect: 100-continue` at once (under 1.0 curl
  # waits a second before every upload).
  server.RequestHandler.protocol_version = "HTTP/1.1"
  server._tfp_realnvp_patched = True  # pylint: disable=protected-access


class _ConnectProxy(threading.Thread):
  """An https proxy: CONNECT, then TLS with `context`, relayed in plain
  bytes to 127.0.0.1:`upstream`."""

  def __init__(self, port, upstream, context):
    super().__init__(daemon=True, name="gcs-proxy")
    self.upstream, self.context = upstream, context
    self.listener = socket.create_server(("127.0.0.1", port))

  def run(self):
    while True:
      try:
        client, _ = self.listener.accept()
      except OSError:  # closed
        return
      threading.Thread(target=self._serve, args=(client,),
                       daemon=True).start()

  def _serve(self, client):
    tls = None
    try:
      head = b""
      while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
          return
        head += chunk
      if not head.startswith(b"CONNECT "):
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
        return
      client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
      tls = self.context.wrap_socket(client, server_side=True)
      upstream = socket.create_connection(("127.0.0.1", self.upstream))
      self._relay(tls, upstream)
    except (OSError, ssl.SSLError):
      pass
    finally:  # closing ends the client's connection when the emulator's does
      (tls or client).close()

  @staticmethod
  def _relay(tls, upstream):
    selector = selectors.DefaultSelector()
    selector.register(tls, selectors.EVENT_READ)
    selector.register(upstream, selectors.EVENT_READ)
    try:
      while True:
        for key, _ in selector.select():
          if key.fileobj is tls:
            data = tls.recv(65536)
            while data and tls.pending():
              data += tls.recv(tls.pending())
            if not data:
              return
            upstream.sendall(data)
          else:
            data = upstream.recv(65536)
            if not data:
              return
            tls.sendall(data)
    finally:
      selector.close()
      upstream.close()



def serve(folder, bucket):
  """Runs the emulator and the proxy until killed; prints the proxy's port
  and the CA file once they listen."""
  from gcp_storage_emulator.server import create_server  # pylint: disable=g-import-not-at-top
  _patch_emulator()
  ca, cert, key = _certificates(folder)
  api_port, proxy_port = _free_port(), _free_port()
  server = create_server("127.0.0.1", api_port, in_memory=True,
                         default_bucket=bucket)
  server.start()
  context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  context.load_cert_chain(cert, key)
  proxy = _ConnectProxy(proxy_port, api_port, context)
  proxy.start()
  print(proxy_port, ca, flush=True)
  proxy.join()


class LocalGCS:
  """See the module docstring. `url(path)` is gs://`bucket`/`path`.

  The servers run in a process of their own: TensorFlow's file functions
  can hold Python's GIL while they wait for an answer, which would stall
  servers in the process asking.
  """

  def __init__(self, bucket="tfp-realnvp-test"):
    self.bucket = bucket
    self._folder = tempfile.mkdtemp(prefix="local-gcs-")
    self.env = {}
    self._process = None

  def url(self, *parts):
    return "/".join([f"gs://{self.bucket}", *parts])

  def __enter__(self):
    self._process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), self._folder,
         self.bucket], stdout=subprocess.PIPE, text=True)
    line = self._process.stdout.readline().split()
    if len(line) != 2:
      self._process.kill()
      raise RuntimeError("the local GCS did not start")
    port, ca = line
    proxy = f"http://127.0.0.1:{port}"
    self.env = {"https_proxy": proxy, "HTTPS_PROXY": proxy,
                "CURL_CA_BUNDLE": ca, "GOOGLE_AUTH_TOKEN_FOR_TESTING": "dummy",
                "NO_GCE_CHECK": "true", "GCS_RETRY_CONFIG_MAX_RETRIES": "1"}
    return self

  def apply(self):
    """Sets `env` in this process (before its first gs:// access)."""
    os.environ.update(self.env)

  def __exit__(self, *exc):
    self._process.kill()
    self._process.wait()
    for name in self.env:
      os.environ.pop(name, None)


if __name__ == "__main__":
  serve(*sys.argv[1:3])
