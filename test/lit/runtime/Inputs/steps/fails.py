# Says why on its error output, then exits with status 3.
import sys

print("reading the input", file=sys.stderr)
print("ValueError: income must be positive", file=sys.stderr)
sys.exit(3)
