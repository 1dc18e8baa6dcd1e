# Makes its output a symbolic link to a file outside its scratch folder.
import os

os.symlink(os.environ["ESCAPE_TO"], os.environ["WEIR_OUTPUT"])
