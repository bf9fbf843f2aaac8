# The public names of hf_tools.ray: the one list (__init__.py reads it for lazy imports).
from hf_tools.ray.ingest import ingest_files_ray as ingest_files_ray
from hf_tools.ray.runtime import init_ray as init_ray
from hf_tools.ray.tasks import map_task as map_task
from hf_tools.ray.tasks import output_columns as output_columns
