"""Training side branch: writes model directories that `synth.retrieve` loads.

`retrieve` never imports `train`.
"""
