"""The command line the crash workloads share (crashfs.py, crashdata.py)."""
import sys


def main(run, verify):
    """run DIR PROGRESS | verify DIR PROGRESS [DIR PROGRESS...]

    Verifying many rounds' pairs takes one start of python, not one each."""
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        sys.exit(run(*sys.argv[2:4]))
    if sys.argv[1:2] != ["verify"] or len(sys.argv) < 4 or len(sys.argv) % 2:
        sys.exit("usage: %s run DIR PROGRESS | verify DIR PROGRESS [DIR PROGRESS...]"
                 % sys.argv[0])
    failed = 0
    for root, progress in zip(sys.argv[2::2], sys.argv[3::2]):
        if verify(root, progress):
            print(f"{root}: failed", file=sys.stderr)
            failed = 1
    sys.exit(failed)
