"""What Japanese adds to the action server's memory: its encoder, its index, Sudachi and lingua.

Measured in a fresh Python process, stage by stage, so nothing else the
benchmark has loaded is counted: resident memory after the English side is
ready, then after each Japanese part is loaded and used once.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

_STAGES = r"""
import json, os, sys
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
from settings import Settings
from knowledge import build_index, load_corpus
settings = Settings.from_env(os.environ)
corpus = load_corpus(settings.corpus_dir)
from knowledge.encoders.factory import open_configured
encoder = open_configured(settings)
index = build_index(corpus.passages, encoder, topics=corpus.topics)
index.search("When did the JET Programme start?", 3)
stages = {"english": rss()}
from knowledge.encoders.e5 import E5Encoder
e5 = E5Encoder(1)
e5.encode(["JETプログラムはいつ始まりましたか？"])
stages["e5_encoder"] = rss()
ja = build_index(corpus.passages, e5, topics=corpus.topics, lang="ja")
ja.search("JETプログラムはいつ始まりましたか？", 3)
stages["japanese_index_and_sudachi"] = rss()
from knowledge.text.language import detect
detect("What does 先生 mean?")
stages["lingua"] = rss()
print(json.dumps(stages))
"""


def memory_added() -> dict[str, float]:
    """Resident MB added by each Japanese part, and in ``total``, over the English side alone."""
    out = subprocess.run([sys.executable, "-c", _STAGES], capture_output=True, text=True, check=True)
    stages = json.loads(out.stdout.strip().splitlines()[-1])
    names = list(stages)
    added = {name: round(stages[name] - stages[before], 1) for before, name in itertools.pairwise(names)}
    total = round(stages[names[-1]] - stages["english"], 1)
    return {"english_mb": round(stages["english"], 1), **added, "total": total}
