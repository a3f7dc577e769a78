"""Models from other tools: ONNX, PyTorch (traced) and SCALE-Sim's topology and config files."""
