"""`pgeval run`, `pgeval infer` and `pgeval bench`: the commands that run a checkpoint."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from pgeval.bench.workloads import WORKLOADS
from pgeval.cli.options import host_options, model_options, resource_options, tasks_dir_option
from pgeval.cli.report import echo_findings, report_to
from pgeval.config import EngineConfig, RunConfig
from pgeval.resources import Resources
from pgeval.tasks import TaskCatalog


@click.command("infer")
@model_options
@host_options
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help="JSONL of {id, image, prefix}; image paths relative to this file.")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="JSONL written in input order: {id, text, tokens, logprobs}.")
@click.option("--max-decode-len", type=int, default=32, show_default=True)
@click.option("--beam-size", type=int, default=1, show_default=True,
              help="1 decodes greedily; more runs beam search.")
def infer_command(input_path: str, output: str, max_decode_len: int, beam_size: int,
                  checkpoint: str | None, base: str | None, tokenizer: str | None, res: int | None,
                  batch_size: int, dtype: str, mesh: str | None, coordinator: str | None,
                  num_processes: int | None, process_id: int | None) -> None:
    """Generate text for each request (greedy unless --beam-size > 1)."""
    from pgeval.run.inference import infer  # the model stack loads only for commands that need it

    if checkpoint is None:
        raise click.UsageError("Missing option '--checkpoint'.")
    engine = EngineConfig(checkpoint=checkpoint, base=base, tokenizer=tokenizer, res=res,
                          batch_size=batch_size, dtype=dtype, mesh=mesh, coordinator=coordinator,
                          num_processes=num_processes, process_id=process_id)
    path = infer(engine, input_path, output, max_decode_len=max_decode_len, beam_size=beam_size)
    if path is not None:
        click.echo(f"wrote {path}", err=True)


@click.command("run")
@model_options
@host_options
@click.option("--auto-distributed/--no-auto-distributed", default=True, show_default=True,
              help="Join the multi-host run JAX detects on Cloud TPU VMs, SLURM or Open MPI "
                   "(the same command on every host); off: this host alone, unless the flags "
                   "above say otherwise.")
@click.option("--tasks", "task_list", required=True,
              help="Comma-separated task names, e.g. vqav2,docvqa (`pgeval tasks` lists them).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding each task's official files in <task>/ (default: $PGEVAL_DATA, "
                   "else ~/.cache/pgeval/data); given, the tasks are read from it.")
@click.option("--source", type=click.Choice(["hub", "files", "auto"]), default=None,
              help="Where the data comes from: each task's Hugging Face Hub copy (downloaded into "
                   "the huggingface_hub cache), the official files under --data-dir, or the Hub "
                   "copy where a task has one (default without --data-dir; `pgeval data list`).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (default: runs/<checkpoint>-<res>); the same --out resumes.")
@click.option("--limit", type=int, default=None, help="Only the first N examples of each task.")
@click.option("--split", "splits", default=None,
              help="Split of every task (minival, test-dev, ...), or per task: "
                   "vqav2=minival,coco_captions=karpathy_val (default: each task's; "
                   "`pgeval tasks` lists them). A split without answers writes the server's "
                   "submission file instead of scores.")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="A missing or corrupt image stops the run, or is skipped and counted.")
@click.option("--allow-outside-data-dir", is_flag=True,
              help="Read images that a data file names outside --data-dir (through ../ or an "
                   "absolute path); refused by default.")
@click.option("--overwrite", "overwrite", multiple=True, metavar="TASK",
              help="Drop what --out holds of TASK (its record, predictions and partial file) and "
                   "run it again; repeat it, or give a comma-separated list. Without it a rerun "
                   "reuses only what the same recipe produced and stops on anything else.")
@resource_options
@click.option("--demo", is_flag=True,
              help="Evaluate the bundled demo model on synthetic benchmarks (no download needed).")
@tasks_dir_option
def run_command(task_list: str, tasks_dirs: Sequence[str], checkpoint: str | None,
                base: str | None, tokenizer: str | None, res: int | None, batch_size: int, dtype: str,
                mesh: str | None, coordinator: str | None, num_processes: int | None,
                process_id: int | None, auto_distributed: bool, data_dir: str | None,
                source: str | None, out: str | None, limit: int | None, splits: str | None, on_error: str,
                overwrite: Sequence[str], vae: str | None, toxicity_scorer: str | None,
                entailment_judge: str | None, radgraph_scorer: str | None, demo: bool,
                allow_outside_data_dir: bool) -> None:
    """Evaluate a checkpoint on tasks; write results.json, predictions/ and model_card.md."""
    from pgeval.reports.card import write_model_card
    from pgeval.run.evaluation import run_evaluation

    tasks = tuple(t.strip() for t in task_list.split(",") if t.strip())
    catalog = TaskCatalog.load(tasks_dirs)
    engine = EngineConfig(checkpoint=checkpoint, base=base, tokenizer=tokenizer, res=res,
                          batch_size=batch_size, dtype=dtype, mesh=mesh, coordinator=coordinator,
                          num_processes=num_processes, process_id=process_id,
                          auto_distributed=auto_distributed)
    config = RunConfig(tasks=tasks, catalog=catalog, data_dir=data_dir, source=source, out=out,
                       limit=limit, splits=splits, on_error=on_error, demo=demo,
                       allow_outside_data_dir=allow_outside_data_dir,
                       overwrite=tuple(t.strip() for o in overwrite for t in o.split(",") if t.strip()))
    resources = Resources(vae=vae, toxicity_scorer=toxicity_scorer,
                          entailment_judge=entailment_judge, radgraph_scorer=radgraph_scorer)
    run = run_evaluation(engine, config, resources, log=lambda m: click.echo(m, err=True))
    if run is None:
        import jax

        click.echo(f"process {jax.process_index()} of {jax.process_count()}: decoded its share of "
                   f"{', '.join(tasks)}; process 0 scores them and writes the run directory")
        return
    for name in tasks:
        t = run.tasks[name]
        outcome = (f"submission written to {run.directory / t.submission}" if t.submission else
                   ", ".join(f"{k} {v:.2f}" for k, v in t.metrics.items()))
        click.echo(f"{name} ({t.split}, n={t.n}{f', {t.skipped} skipped' if t.skipped else ''}): "
                   + outcome)
    if demo:
        from pgeval.demo.baseline import most_common_answer_score
        from pgeval.demo.bundle import demo_data_dir

        floor = {name: most_common_answer_score(name, data_dir or demo_data_dir(), catalog)
                 for name in tasks}
        click.echo("baseline without the image (each question answered with its most common "
                   "answer, whole split): " + ", ".join(f"{k} {v:.2f}" for k, v in floor.items()))
    card = write_model_card(run, catalog, tasks)
    click.echo("")
    click.echo(card.read_text(encoding="utf-8"))
    echo_findings([run], catalog, data_dir)
    click.echo(f"run directory: {run.directory}")
    if demo:
        report_to([run], str(run.directory / "report"), catalog, data_dir=data_dir)


@click.command("bench")
@click.option("--config", type=click.Choice(["tiny", "small", "3b"]), default="small",
              show_default=True, help="Model shape (random weights); 3b is PaliGemma 1 3B.")
@click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True,
              help="Examples per generate call, for both engines.")
@click.option("--res", type=int, default=None, help="Image resolution (default: the config's).")
@click.option("--decode-len", type=click.IntRange(min=1), default=16, show_default=True,
              help="New tokens per example (transformers gets min_new_tokens = max_new_tokens).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32",
              show_default=True, help="Compute dtype of both engines.")
@click.option("--images", type=click.IntRange(min=1), default=1, show_default=True,
              help="Images per example (2 for NLVR2-style pairs, 16 for a video's frames).")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed rounds per engine, interleaved, after one warm-up each.")
@click.option("--workload", type=click.Choice(sorted(WORKLOADS)), default=None,
              help="Instead of one batch: a synthetic split shaped like this one's validation "
                   "split (questions per image, question lengths), through pgeval's engine and "
                   "transformers' generate one question per example.")
@click.option("--examples", type=click.IntRange(min=1), default=64, show_default=True,
              help="Questions in the --workload.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the --workload.")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the results.")
def bench_command(config: str, batch_size: int, res: int | None, decode_len: int, dtype: str,
                  images: int, repeats: int, workload: str | None, examples: int, seed: int,
                  as_json: bool) -> None:
    """Time our engine against transformers' generate on the same random model and inputs."""
    import dataclasses

    def log(message: str) -> None:
        click.echo(message, err=True)

    common = dict(batch_size=batch_size, res=res, decode_len=decode_len, dtype=dtype,
                  repeats=repeats, log=log)
    if workload is not None:
        from pgeval.bench.workload import run_workload_bench

        if images != 1:
            raise click.UsageError("--images does not apply to --workload (one image per question)")
        w = run_workload_bench(workload, config, examples=examples, seed=seed, **common)
        click.echo(f"{w.workload} workload, {w.config} on {w.device}, batch {w.batch_size}, "
                   f"{w.examples} questions on {w.images} images of {w.res} px, up to "
                   f"{w.decode_len} new tokens: pgeval {w.pgeval_ex_per_s:.2f} ex/s "
                   f"({w.encoded_per_example:.2f} SigLIP images per question), transformers "
                   f"{w.hf_ex_per_s:.2f} ex/s, ratio {w.ratio:.2f}")
        result = dataclasses.asdict(w)
    else:
        from pgeval.bench.engine import run_bench

        r = run_bench(config, images=images, **common)
        shown = f"{r.images} images" if r.images > 1 else "1 image"
        click.echo(f"{r.config} on {r.device}, batch {r.batch_size}, {shown} of {r.res} px, "
                   f"{r.decode_len} new tokens: pgeval {r.pgeval_ex_per_s:.2f} ex/s, transformers "
                   f"{r.hf_ex_per_s:.2f} ex/s, ratio {r.ratio:.2f}; {r.model_tflops:.3f} TFLOP/s = "
                   f"{100 * r.flops_fraction:.0f}% of a {r.peak_tflops:.3f} TFLOP/s matmul peak")
        result = dataclasses.asdict(r)
    if as_json:
        click.echo(json.dumps(result))
