"""Peak memory of the two trainable roles: two separate full models, one model with shared weights, and one frozen
base with a LoRA adapter per role (PEFT). Each mode runs in its own process, which builds its models, takes one
AdamW step per role on the same batch, and reports its peak resident memory; a bare process (imports only) is the
baseline subtracted from each.

    python benchmarks/memory.py [--layers 8] [--width 1024] [--batch 4]

At this size the weights and optimizer state dominate, as for real models; with a wide batch on a small model
the activations dominate instead, and LoRA's extra activations can make it the larger one.

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys


def run_mode(mode: str, layers: int, width: int, batch_size: int) -> None:
    import torch

    from agents import LanguageModel
    from agents.tiny import TinyModelConfig

    tiny = TinyModelConfig(layers=layers, width=width, heads=8, max_length=128)
    batch = torch.randint(0, 20, (batch_size, 64))
    models, optimizers = [], []
    if mode == "baseline":
        pass
    elif mode in ("separate", "shared"):
        for _ in range(2 if mode == "separate" else 1):
            model = LanguageModel.load("builtin:tiny", "off", "auto", tiny).model
            models.append(model)
            optimizers.append(torch.optim.AdamW(model.parameters(), lr=1e-4))
    else:
        from peft import LoraConfig, get_peft_model

        base = LanguageModel.load("builtin:tiny", "off", "auto", tiny).model
        lora = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM")
        model = get_peft_model(base, lora, adapter_name="proposer")
        model.add_adapter("solver", lora)
        for name in ("proposer", "solver"):
            model.set_adapter(name)
            optimizers.append(torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4))
            models.append(model)
    for role, (model, optimizer) in enumerate(zip(models * (2 if mode == "shared" else 1), optimizers * 2)):
        if mode == "lora":
            model.set_adapter(("proposer", "solver")[role])
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)  # gradients stay allocated, as in training
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=4, help="sequences of 64 tokens per step")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        run_mode(args.mode, args.layers, args.width, args.batch)
        return
    peaks = {}
    for mode in ("baseline", "separate", "shared", "lora"):
        done = subprocess.run([sys.executable, __file__, "--mode", mode, "--layers", str(args.layers),
                               "--width", str(args.width), "--batch", str(args.batch)],
                              capture_output=True, text=True, check=True)
        peaks[mode] = float(done.stdout.split()[-1])
    above = {mode: peaks[mode] - peaks["baseline"] for mode in ("separate", "shared", "lora")}
    print(f"peak resident memory above a bare process ({peaks['baseline']:.0f} MB), "
          f"{args.layers} layers x width {args.width}, {args.batch} x 64 tokens, one AdamW step per role:")
    for mode, label in (("separate", "two separate full models"), ("shared", "one model, shared weights"),
                        ("lora", "one frozen base + 2 LoRA adapters")):
        print(f"  {label:<36}{above[mode]:8.0f} MB")
    print(json.dumps({"benchmark": "memory", "layers": args.layers, "width": args.width, "batch": args.batch,
                      "baseline_mb": peaks["baseline"], "above_baseline_mb": above}))


if __name__ == "__main__":
    main()
