# Writes `debt_ratio` as text in its second row.
import os

with open(os.environ["WEIR_OUTPUT"], "w") as out:
    out.write("id,name,debt_ratio\n1,Ada,0.2\n2,Bo,high\n")
