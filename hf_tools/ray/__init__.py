"""Scale-out on Ray Data (the optional ``ray`` extra: ``pip install 'hf-tools[ray]'``).

* :func:`map_task` runs any Inference API task over a Ray Dataset: typed outputs become columns,
  failed rows keep their error text in an error column (or the job fails fast).
* :func:`ingest_files_ray` ingests files into a Chroma **server** with Ray workers and converges
  on exactly the collection :func:`~hf_tools.rag.ingest.ingest_files` builds.
* :func:`init_ray` starts a local Ray, or joins a cluster given an address or ``RAY_ADDRESS``.

Names are imported on first use, so ``import hf_tools.ray`` does not import Ray.
"""

from __future__ import annotations

from hf_tools.lazy import exports_from_stub, lazy_exports

_EXPORTS = exports_from_stub(__file__)
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
