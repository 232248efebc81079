"""A progress bar: Debian's python3-tqdm when installed, else a plain one on stderr."""
import sys


class _Plain:
    def __init__(self, total, desc):
        self.total, self.desc, self.done = total, desc, 0

    def update(self, n):
        self.done += n
        sys.stderr.write(f"\r{self.desc}: {self.done}/{self.total}")
        sys.stderr.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        sys.stderr.write("\n")


def progress_bar(total, desc):
    try:
        from tqdm import tqdm
        return tqdm(total=total, desc=desc)
    except ImportError:
        return _Plain(total, desc)
