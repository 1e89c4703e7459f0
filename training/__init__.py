"""On-device adapter training: LoRA on the CPU with progress and resumable checkpoints (PEFT).

`lora_trainer` is the loop every adapter shares; `distill` trains accuracy-recovery adapters on a
compressed model from its reference model's logits.
"""
