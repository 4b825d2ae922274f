"""What the Python end-to-end suites share: the tally of checks, and starting `zhisuan serve` on port 0."""
import subprocess
import time


class Tally:
    """Checks, each printed on its line as it is made; `done` prints the tally and gives the exit status."""

    def __init__(self):
        self.tried = self.passed = 0

    def check(self, name, ok, detail=""):
        self.tried += 1
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)

    def done(self, what, noun):
        print(f"{what}: {self.passed} of {self.tried} {noun} passed", flush=True)
        return 0 if self.passed == self.tried and self.tried > 0 else 1


def serve(argv, out_path, err, env=None, what="server"):
    """Starts `argv` (a zhisuan serve on port 0) with its output in `out_path` and errors to the open file `err`;
    returns the process and the port it printed. Raises when it exits or prints nothing within 15 s."""
    proc = subprocess.Popen(argv, stdout=open(out_path, "w"), stderr=err, env=env)
    for _ in range(300):
        with open(out_path) as f:
            text = f.read()
        if "http://" in text:
            return proc, int(text.split("http://")[1].split("/")[0].split(":")[1])
        if proc.poll() is not None:
            with open(err.name) as f:
                raise RuntimeError(f"{what} exited {proc.returncode}: {f.read()[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not print its URL")
