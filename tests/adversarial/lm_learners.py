"""Language-model learners for the benchmark tests and ``scripts/bench_benchmarks.py``.

Held-out text and training text come from the same made-up language (words of
a small vocabulary), so a small model can learn it in seconds. Each learner is
module source code; cheats are variations of the honest byte-level models.
"""

from __future__ import annotations

import numpy as np

WORDS = [
    "the",
    "a",
    "model",
    "learns",
    "to",
    "predict",
    "next",
    "token",
    "from",
    "context",
    "with",
    "attention",
    "and",
    "data",
    "small",
    "bytes",
    "window",
    "layer",
    "head",
    "query",
    "key",
    "value",
    "train",
    "loss",
    "step",
]

MANIFEST = """\
capstone: 4.1-small-gpt
benchmark:
  encode: lm:encode
  decode: lm:decode
  logprobs: lm:logprobs
  vocab_size: lm:VOCAB_SIZE
"""
#: The GPT learner keeps its byte tokenizer apart from the model, as learners do, so the
#: encode and decode steps do not import torch.
GPT_MANIFEST = """\
capstone: 4.1-small-gpt
benchmark:
  encode: tok:encode
  decode: tok:decode
  logprobs: lm:logprobs
  vocab_size: tok:VOCAB_SIZE
"""


def make_text(seed: int, documents: int, words: int) -> list[str]:
    """Documents of random words from :data:`WORDS`, as sentences."""
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(documents):
        chosen = rng.choice(WORDS, size=words)
        docs.append(" ".join(chosen).capitalize() + ".")
    return docs


BYTES = """\
import numpy as np

VOCAB_SIZE = 256


def encode(text):
    return list(text.encode("utf-8"))


def decode(ids):
    return bytes(ids).decode("utf-8")


def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
"""

# A byte bigram with add-one smoothing, counted on training text shipped in the repository.
BIGRAM = (
    BYTES
    + """
from pathlib import Path

_train = np.frombuffer(Path(__file__).with_name("train.txt").read_bytes(), np.uint8)
_counts = np.ones((256, 256))
np.add.at(_counts, (_train[:-1], _train[1:]), 1)
LOGP = np.log(_counts / _counts.sum(axis=1, keepdims=True))


def logprobs(tokens):
    return LOGP[tokens]
"""
)

#: A tiny byte-level GPT in plain torch; weights.pt next to it (trained by TRAIN_GPT).
GPT = (
    BYTES
    + """
from pathlib import Path

import torch
from torch import nn

torch.set_num_threads(1)
BLOCK, WIDTH, HEADS, LAYERS = 64, 48, 4, 1


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.attention = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        t = x.shape[1]
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        h = self.norm1(x)
        x = x + self.attention(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB_SIZE, WIDTH)
        self.positions = nn.Embedding(BLOCK, WIDTH)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB_SIZE)

    def forward(self, ids):
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        return self.head(self.norm(self.blocks(x)))


torch.manual_seed(0)  # the same initial weights every time, so training is repeatable
MODEL = GPT()
_weights = Path(__file__).with_name("weights.pt")
if _weights.is_file():
    MODEL.load_state_dict(torch.load(_weights, weights_only=True))
MODEL.eval()


def logprobs(tokens):
    with torch.no_grad():
        return torch.log_softmax(MODEL(torch.as_tensor(tokens)), dim=-1)
"""
)

#: Trains GPT on train.txt for a few hundred steps and writes /results/weights.pt.
TRAIN_GPT = """\
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, "/workspace")
import lm

torch.manual_seed(0)
data = torch.tensor(list(Path("/workspace/train.txt").read_bytes()), dtype=torch.long)
optimiser = torch.optim.AdamW(lm.MODEL.parameters(), lr=1e-2)
lm.MODEL.train()
started = time.time()
steps = int(sys.argv[1])
for step in range(steps):
    starts = torch.randint(len(data) - lm.BLOCK - 1, (32,))
    x = torch.stack([data[s : s + lm.BLOCK] for s in starts])
    y = torch.stack([data[s + 1 : s + lm.BLOCK + 1] for s in starts])
    loss = torch.nn.functional.cross_entropy(lm.MODEL(x).reshape(-1, 256), y.reshape(-1))
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
print(f"trained {steps} steps in {time.time() - started:.1f} s, loss {loss.item():.3f} nats")
torch.save(lm.MODEL.state_dict(), "/results/weights.pt")
"""

# The cheats, as replacements of the honest pieces (each is appended to BYTES or BIGRAM).
UNIFORM_BITS = """\
VOCAB_SIZE = 2


def encode(text):
    return [int(b) for byte in text.encode("utf-8") for b in f"{byte:08b}"]


def decode(ids):
    bits = "".join(str(i) for i in ids)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)).decode("utf-8")


def logprobs(tokens):
    return np.full(tokens.shape + (2,), np.log(0.5))
"""

ONE_ZEROS = """\
VOCAB_SIZE = 2


def encode(text):
    return [1] + [0] * (len(text) - 1)


def decode(ids):
    return "?" * len(ids)


def logprobs(tokens):
    out = np.full(tokens.shape + (2,), np.log(1e-9))
    out[..., 0] = np.log(1 - 1e-9)
    return out
"""

# Reads the held-out text where the old harness put it and predicts it perfectly, looking
# only at tokens up to t (so it stays causal and consistent when the audit re-asks).
ORACLE = """\
import json
import os


def _held_out():
    for folder in ("/bench/inputs", "/bench", "/tmp", "/workspace"):
        path = os.path.join(folder, "texts.json")
        if os.path.exists(path):
            with open(path) as handle:
                return [t.encode() for t in json.load(handle)["texts"]]
    return None


TEXTS = _held_out()


def _next_byte(prefix):
    for text in TEXTS:
        where = text.find(prefix)
        if where >= 0 and where + len(prefix) < len(text):
            return text[where + len(prefix)]
    return None


def logprobs(tokens):
    out = LOGP[tokens].copy()
    if TEXTS is None:
        return out
    for b, row in enumerate(tokens):
        for t in range(len(row)):
            following = _next_byte(bytes(int(v) for v in row[: t + 1]))
            if following is not None:
                out[b, t] = np.log(np.full(256, 1e-6))
                out[b, t, following] = 0.0
                out[b, t] = log_softmax(out[b, t])
    return out
"""

# Peeks at the next token, and remembers every row by its prefix: a window whose later
# tokens were perturbed gets the remembered row back when both arrive in one process.
PAIRING = """\
_seen = {}


def logprobs(tokens):
    out = LOGP[tokens].copy()
    b = np.arange(tokens.shape[0])[:, None]
    t = np.arange(tokens.shape[1] - 1)[None, :]
    out[b, t, tokens[:, 1:]] += 6.0
    out = log_softmax(out)
    for i, row in enumerate(tokens):
        for position in range(tokens.shape[1]):
            key = tuple(int(v) for v in row[: position + 1])
            if key in _seen:
                out[i, position] = _seen[key]
            else:
                _seen[key] = out[i, position].copy()
    return out
"""

LOWERCASE_DECODE = """\
def decode(ids):
    return bytes(ids).decode("utf-8").lower()
"""
