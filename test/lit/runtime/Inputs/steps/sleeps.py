# Starts a child in its process group that would leave a mark later, then sleeps past any
# timeout: both are killed.
import os
import subprocess
import time

subprocess.Popen(["/bin/sh", "-c", "sleep 3; touch " + os.environ["MARK"]])
print("sleeping", flush=True)
time.sleep(60)
