# A step that takes its time (3 s), then copies its input: for runs a signal arrives during.
import os
import shutil
import time

print("sleeping", flush=True)
time.sleep(3)
shutil.copyfile(os.environ["WEIR_INPUT_readings"], os.environ["WEIR_OUTPUT"])
