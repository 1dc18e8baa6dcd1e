#!/bin/sh
# Copies its input to its output: a program of the project, run by its path.
cp "$WEIR_INPUT_people" "$WEIR_OUTPUT"
echo "copied with $#" "arguments: $1"
