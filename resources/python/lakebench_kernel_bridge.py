"""Lakebench's bridge to an IPython kernel.

Lakebench (Node) starts this script with the Python that should run notebook code. The script starts an
ipykernel of that same Python through jupyter_client's KernelManager and relays between the two, one JSON
object per line (the npm ZeroMQ binding downloads a binary at install time, so Node does not speak ZeroMQ):

  stdin   {"op": "execute", "id": "...", "code": "..."}   run code; outputs and the end carry the same id
                                                      ("silent": true: no history, no execution count)
          {"op": "interrupt"}                              SIGINT to the kernel's process group
          {"op": "restart"}                                a fresh kernel; running executions end "aborted"
          {"op": "shutdown"}                               stop the kernel and exit (so does the end of stdin)
          {"op": "complete", "id": ..., "code": ..., "cursor": n}   completion (Jupyter's complete_request)
          {"op": "inspect", "id": ..., "code": ..., "cursor": n}    help on a name (inspect_request)

  stdout  {"ev": "ready", "pid": ...}                      the kernel answers; pid is the kernel's process
          {"ev": "output", "id": ..., "output": {...}}     one nbformat output (stream, execute_result, ...)
          {"ev": "clear_output", "id": ..., "wait": b}
          {"ev": "done", "id": ..., "status": ..., "execution_count": n}   status: ok, error, aborted, died
          {"ev": "restarted", "pid": ...}
          {"ev": "reply", "id": ..., "content": {...}}       the kernel's complete_reply or inspect_reply
          {"ev": "died", "message": ...}                   the kernel process ended on its own
          {"ev": "fatal", "code": ..., "message": ...}     the bridge cannot go on and exits

Outputs are in nbformat's shape, so they go into .ipynb files unchanged. The kernel's own stdout and stderr
(not cell output, which travels over IOPub) go to this process's stderr. On Linux the kernel is killed when
this process ends, however it ends, so a kernel never outlives its bridge.
"""

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import shutil
import signal
import sys
import tempfile

_OUT = sys.stdout
# debugpy (loaded by ipykernel in the kernel) warns on every start about frozen modules: noise here.
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def emit(**message):
    _OUT.write(json.dumps(message, default=str) + "\n")
    _OUT.flush()


_missing = [m for m in ("jupyter_client", "ipykernel") if importlib.util.find_spec(m) is None]
if _missing:
    emit(
        ev="fatal",
        code="KERNEL_UNAVAILABLE",
        missing=_missing,
        message=f"{sys.executable} cannot import {' and '.join(_missing)}",
    )
    sys.exit(3)

try:
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
except Exception as err:  # a broken installation: say what failed to import
    emit(
        ev="fatal",
        code="KERNEL_UNAVAILABLE",
        missing=[getattr(err, "name", None) or "jupyter_client"],
        message=f"{sys.executable} cannot load the Jupyter kernel machinery: {err}",
    )
    sys.exit(3)


_prctl = None
if sys.platform.startswith("linux"):
    try:
        import ctypes

        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        _prctl = None

PR_SET_PDEATHSIG = 1


def _die_with_bridge():
    """Runs in the kernel's process before it starts Python: SIGKILL when this bridge process ends."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class BridgeKernelSpecManager(KernelSpecManager):
    """Always the ipykernel of this very Python, whatever kernel specs the user has installed elsewhere.

    The spec is written out rather than taken from ipykernel.kernelspec: importing ipykernel here would load
    debugpy and IPython into the bridge too, a second or more of start-up for nothing.
    """

    def get_kernel_spec(self, kernel_name):
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        # The history stays in memory: Lakebench's kernels do not write into the user's IPython profile.
        argv.append("--HistoryManager.hist_file=:memory:")
        return KernelSpec(
            name="python3",
            resource_dir="",
            argv=argv,
            display_name=f"Python {sys.version_info[0]} (ipykernel)",
            language="python",
            interrupt_mode="signal",
        )


def package_version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return None


def to_nbformat(msg_type, content):
    if msg_type == "stream":
        return {"output_type": "stream", "name": content.get("name", "stdout"), "text": content.get("text", "")}
    if msg_type == "execute_result":
        return {
            "output_type": "execute_result",
            "execution_count": content.get("execution_count"),
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
    if msg_type == "display_data":
        return {"output_type": "display_data", "data": content.get("data", {}), "metadata": content.get("metadata", {})}
    if msg_type == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": content.get("traceback", []),
        }
    return None


class Execution:
    def __init__(self, request_id):
        self.id = request_id
        self.reply = None
        self.idle = False


class Bridge:
    def __init__(self, cwd, runtime_dir, startup_timeout):
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=BridgeKernelSpecManager())
        self.km.connection_file = os.path.join(runtime_dir, "kernel.json")
        self.km.shutdown_wait_time = 2.0
        self.kc = None
        self.pending = {}
        # complete and inspect requests: kernel msg_id -> Lakebench's request id
        self.requests = {}
        # kernel_info requests sent to learn that the kernel answers on both shell and IOPub.
        self.probes = {}
        self.state = "starting"
        self.readers = []

    def kernel_pid(self):
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    async def start(self):
        await self.km.start_kernel(
            cwd=self.cwd,
            stdout=sys.stderr,
            stderr=sys.stderr,
            preexec_fn=_die_with_bridge,
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        self.readers = [
            asyncio.ensure_future(self.read(self.kc.get_shell_msg, self.on_shell)),
            asyncio.ensure_future(self.read(self.kc.get_iopub_msg, self.on_iopub)),
        ]
        await self.wait_ready()
        self.state = "ready"
        emit(
            ev="ready",
            pid=self.kernel_pid(),
            python=sys.executable,
            version=platform.python_version(),
            ipykernel=package_version("ipykernel"),
        )

    async def wait_ready(self):
        """Asks for kernel_info until the reply and its IOPub status both arrive (IOPub subscribes late)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        while True:
            if not await self.km.is_alive():
                raise KernelEnded("the kernel exited while starting")
            if loop.time() > deadline:
                raise TimeoutError(f"the kernel did not answer within {self.startup_timeout:.0f} s")
            msg_id = self.kc.kernel_info()
            probe = self.probes[msg_id] = {"reply": False, "iopub": False, "event": asyncio.Event()}
            try:
                await asyncio.wait_for(probe["event"].wait(), timeout=0.5)
                return
            except asyncio.TimeoutError:
                continue
            finally:
                self.probes.pop(msg_id, None)

    async def read(self, get, handle):
        while True:
            try:
                msg = await get()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.state in ("stopping", "stopped"):
                    return
                await asyncio.sleep(0.05)
                continue
            try:
                handle(msg)
            except Exception as err:  # one odd message must not stop the relay
                print(f"lakebench bridge: could not relay a {msg.get('msg_type')} message: {err}", file=sys.stderr)

    def on_probe(self, parent, key):
        probe = self.probes.get(parent)
        if probe is None:
            return
        probe[key] = True
        if probe["reply"] and probe["iopub"]:
            probe["event"].set()

    def on_shell(self, msg):
        parent = msg.get("parent_header", {}).get("msg_id")
        self.on_probe(parent, "reply")
        request_id = self.requests.pop(parent, None)
        if request_id is not None:
            emit(ev="reply", id=request_id, content=msg["content"])
            return
        execution = self.pending.get(parent)
        if execution is not None and msg["header"]["msg_type"] == "execute_reply":
            execution.reply = msg["content"]
            self.maybe_done(parent)

    def on_iopub(self, msg):
        parent = msg.get("parent_header", {}).get("msg_id")
        msg_type = msg["header"]["msg_type"]
        content = msg["content"]
        self.on_probe(parent, "iopub")
        execution = self.pending.get(parent)
        if execution is None:
            return
        if msg_type == "status":
            if content.get("execution_state") == "idle":
                execution.idle = True
                self.maybe_done(parent)
        elif msg_type == "clear_output":
            emit(ev="clear_output", id=execution.id, wait=bool(content.get("wait", False)))
        else:
            output = to_nbformat(msg_type, content)
            if output is not None:
                emit(ev="output", id=execution.id, output=output)

    def maybe_done(self, msg_id):
        execution = self.pending.get(msg_id)
        if execution is None or execution.reply is None or not execution.idle:
            return
        del self.pending[msg_id]
        emit(
            ev="done",
            id=execution.id,
            status=execution.reply.get("status", "error"),
            execution_count=execution.reply.get("execution_count"),
        )

    def end_pending(self, status):
        for execution in list(self.pending.values()):
            emit(ev="done", id=execution.id, status=status, execution_count=None)
        self.pending.clear()

    async def execute(self, request_id, code, silent=False):
        if self.state != "ready":
            emit(ev="done", id=request_id, status="died" if self.state == "dead" else "aborted", execution_count=None)
            return
        msg_id = self.kc.execute(
            code, silent=silent, store_history=not silent, allow_stdin=False, stop_on_error=not silent
        )
        self.pending[msg_id] = Execution(request_id)

    def ask(self, request_id, op, code, cursor):
        if self.state != "ready":
            emit(ev="reply", id=request_id, content={"status": "error", "ename": "KernelNotReady"})
            return
        if op == "complete":
            msg_id = self.kc.complete(code, cursor)
        else:
            msg_id = self.kc.inspect(code, cursor, detail_level=0)
        self.requests[msg_id] = request_id

    async def restart(self):
        self.state = "restarting"
        self.end_pending("aborted")
        old = self.kernel_pid()
        await self.km.restart_kernel(now=True)
        kill_group(old)
        await self.wait_ready()
        self.state = "ready"
        emit(ev="restarted", pid=self.kernel_pid())

    async def watch(self):
        """Notices a kernel that ended on its own (os._exit, a crash in native code, the OOM killer)."""
        while self.state not in ("stopping", "stopped"):
            await asyncio.sleep(0.5)
            if self.state == "ready" and not await self.km.is_alive():
                self.state = "dead"
                self.end_pending("died")
                process = getattr(getattr(self.km, "provisioner", None), "process", None)
                code = getattr(process, "returncode", None)
                emit(ev="died", message=f"the kernel process ended (exit code {code})")

    async def shutdown(self):
        if self.state == "stopped":
            return
        pid = self.kernel_pid()
        self.state = "stopping"
        self.end_pending("aborted")
        try:
            await asyncio.wait_for(self.km.shutdown_kernel(now=False), timeout=4.0)
        except Exception:
            pass
        # Whatever the kernel started in its process group goes with it.
        kill_group(pid)
        if self.kc is not None:
            self.kc.stop_channels()
        for task in self.readers:
            task.cancel()
        self.state = "stopped"


class KernelEnded(Exception):
    pass


def kill_group(pid):
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


async def commands(bridge):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 30)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return "eof"
        try:
            command = json.loads(line)
        except ValueError:
            print(f"lakebench bridge: ignoring a line that is not JSON: {line[:200]!r}", file=sys.stderr)
            continue
        op = command.get("op")
        if op == "execute":
            await bridge.execute(str(command.get("id")), str(command.get("code", "")), bool(command.get("silent")))
        elif op == "interrupt":
            if bridge.state == "ready":
                await bridge.km.interrupt_kernel()
        elif op == "restart":
            await bridge.restart()
        elif op in ("complete", "inspect"):
            cursor = command.get("cursor")
            bridge.ask(str(command.get("id")), op, str(command.get("code", "")), int(cursor) if isinstance(cursor, int) else 0)
        elif op == "shutdown":
            return "shutdown"
        else:
            print(f"lakebench bridge: unknown op {op!r}", file=sys.stderr)


async def main(args):
    runtime_dir = tempfile.mkdtemp(prefix="lakebench-kernel-")
    bridge = Bridge(args.cwd, runtime_dir, args.startup_timeout)
    loop = asyncio.get_running_loop()

    def terminate():
        kill_group(bridge.kernel_pid())
        shutil.rmtree(runtime_dir, ignore_errors=True)
        os._exit(0)

    loop.add_signal_handler(signal.SIGTERM, terminate)
    loop.add_signal_handler(signal.SIGHUP, terminate)
    try:
        try:
            await bridge.start()
        except Exception as err:
            process = getattr(getattr(bridge.km, "provisioner", None), "process", None)
            code = getattr(process, "returncode", None)
            emit(
                ev="fatal",
                code="KERNEL_DIED" if isinstance(err, KernelEnded) else "KERNEL_UNAVAILABLE",
                message=f"{err}{'' if code is None else f' (exit code {code})'}",
            )
            return 1
        watcher = asyncio.ensure_future(bridge.watch())
        how = await commands(bridge)
        watcher.cancel()
        if how == "eof":
            # Lakebench went away without asking: no one waits for a clean shutdown, so do not linger.
            kill_group(bridge.kernel_pid())
        return 0
    except Exception as err:
        emit(ev="fatal", code="INTERNAL", message=f"the kernel bridge failed: {err!r}")
        return 1
    finally:
        await bridge.shutdown()
        shutil.rmtree(runtime_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cwd", default=os.getcwd(), help="working folder of the kernel")
    parser.add_argument("--startup-timeout", type=float, default=60.0, help="seconds the kernel gets to answer")
    sys.exit(asyncio.run(main(parser.parse_args())))
