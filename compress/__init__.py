"""kith's compression toolkit: palettization, linear quantization, pruning, joint and mixed-bit
compression of the `nn.Linear` / `nn.Embedding` weights of any Hugging Face model, with exact
bits-per-weight accounting (see docs/COMPRESSION.md)."""
