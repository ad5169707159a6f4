"""The `pgeval` command line: every command is a thin shell over a function of the Python API."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
from collections.abc import Sequence

import click

from pgeval import __version__
from pgeval.bench_workloads import WORKLOADS
from pgeval.errors import Interrupted, PgevalError
from pgeval.gate import compare
from pgeval.listing import task_rows
from pgeval.reports.commands import register as register_reports
from pgeval.reports.gate_report import render_gate
from pgeval.runs import load_run
from pgeval.scoring import score_file, write_per_example
from pgeval.tasks import TaskCatalog

tasks_dir_option = click.option(
    "--tasks-dir", "tasks_dirs", multiple=True, type=click.Path(file_okay=False),
    help="Extra folder of task spec files (repeatable); its tasks replace built-ins of the same name.",
)


def resource_options(fn):
    """Run-time resources some adapters need: the mask decoder, the toxicity scorer, the DOCCI
    entailment judge, the MIMIC-CXR RadGraph scorer."""
    fn = click.option(
        "--radgraph-scorer", default=None,
        help="For mimic_cxr's RadGraph F1: file:SCORES.jsonl or radgraph:MODEL_DIR (default: none, "
             "RadGraph F1 not reported).",
    )(fn)
    fn = click.option(
        "--entailment-judge", default=None,
        help="For docci's non-entailed sentences: file:JUDGMENTS.jsonl or nli:MODEL_DIR (default: "
             "none, not reported).",
    )(fn)
    fn = click.option(
        "--toxicity-scorer", default=None,
        help="For fairface_toxicity: offline (default), perspective[:CACHE], or file:SCORES.jsonl.",
    )(fn)
    return click.option(
        "--vae", type=click.Path(dir_okay=False), default=None,
        help="Segmentation mask decoder, big_vision's vae-oid.npz (for refcoco tasks; `run` looks "
             "beside the checkpoint by default).",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgeval")
def cli() -> None:
    """Evaluate PaliGemma-family models with the official metrics.

    \b
    pgeval run --tasks T1,T2 ...  evaluate a checkpoint: results, predictions, model card
    pgeval tasks                  list benchmarks, metrics, data files, published numbers
    pgeval score --task T ...     score predictions from any model
    pgeval infer --checkpoint ... run a checkpoint over {id, image, prefix} requests
    pgeval bench                  time the engine against transformers on one model shape
    pgeval table RUN_DIR...       model-card tables with the published numbers beside yours
    pgeval leaderboard RUN_DIR... runs ranked per task and overall
    pgeval plot RUN_DIR... --out  score against resolution, ours against published (PNG)
    pgeval gate --baseline ...    fail CI when a metric really dropped (paired bootstrap)
    """


@cli.command("tasks")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@tasks_dir_option
def tasks_command(as_json: bool, tasks_dirs: Sequence[str]) -> None:
    """List every task: family, metric, split, prompt, expected data files, published numbers."""
    rows = task_rows(TaskCatalog.load(tasks_dirs).specs.values())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']}  [{row['family']}]  {row['title']}: {row['metric']} "
                   f"(split {row['split']}; adapter {row['adapter']})")
        click.echo(f"    prompt: {row['prompt']!r}  max_decode_len={row['max_decode_len']}")
        if len(row["splits"]) > 1:
            click.echo("    splits: " + ", ".join(
                s + (" (no answers: writes the server's submission file)"
                     if s in row["submission_splits"] else "") for s in row["splits"]))
        if row["video"]:
            click.echo(f"    video:  {row['video']['frames']} frames, {row['video']['stride']} apart")
        if row["resize"] != "antialias":
            click.echo(f"    resize: {row['resize']} (no antialiasing, as big_vision evaluates it)")
        for f in row["files"]:
            click.echo(f"    data:   {f}")
        if row["published"]:
            for card in sorted({p["card"] for p in row["published"]}):
                nums = ", ".join(f"{p['model']}-{p['res']} {p['key']}={p['value']:g}"
                                 for p in row["published"] if p["card"] == card)
                click.echo(f"    published ({card}): {nums}")


@cli.command("score")
@click.option("--task", required=True, help="Task name (see `pgeval tasks`).")
@click.option("--predictions", required=True, type=click.Path(dir_okay=False),
              help="Official submission JSON of the benchmark, or pgeval JSONL {id, prediction}.")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False),
              help="Folder holding <task>/ with the official annotation files.")
@click.option("--split", default=None, help="Split to score (default: the task's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object {task, split, n, metrics}.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write per-example scores to OUT/<task>.<split>.jsonl.")
@resource_options
@tasks_dir_option
def score_command(task: str, predictions: str, data_dir: str, split: str | None, as_json: bool,
                  out: str | None, vae: str | None, toxicity_scorer: str | None,
                  entailment_judge: str | None, radgraph_scorer: str | None,
                  tasks_dirs: Sequence[str]) -> None:
    """Score a predictions file with the task's official metric."""
    spec = TaskCatalog.load(tasks_dirs).get(task)
    result = score_file(spec, predictions, data_dir, split,
                        resources={"vae": vae, "toxicity_scorer": toxicity_scorer,
                                   "entailment_judge": entailment_judge,
                                   "radgraph_scorer": radgraph_scorer})
    if out:
        path = write_per_example(result, out)
        click.echo(f"per-example scores: {path}", err=True)
    if as_json:
        click.echo(json.dumps(result.summary()))
        return
    click.echo(f"{spec.title} ({result.task}), split {result.split}, n={result.n}")
    width = max(len(k) for k in result.metrics)
    for key, value in result.metrics.items():
        click.echo(f"  {key:<{width}}  {value:8.2f}")
    for key, value in result.info.items():
        click.echo(f"  {key}: {value}")


def _apply(fn, options):
    for option in reversed(options):
        fn = option(fn)
    return fn


def model_options(fn):
    """Options of every command that runs a checkpoint."""
    return _apply(fn, [
        click.option("--checkpoint", type=click.Path(exists=True), default=None,
                     help="big_vision .npz file, or a Hugging Face PaliGemma folder."),
        click.option("--tokenizer", type=click.Path(dir_okay=False), default=None,
                     help="SentencePiece model (default: tokenizer.model beside the checkpoint)."),
        click.option("--res", type=int, default=None,
                     help="Image resolution (default: the checkpoint's; others resample the "
                          "position embeddings)."),
        click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True,
                     help="Examples per compiled batch (the last is padded with masked examples)."),
        click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32",
                     show_default=True,
                     help="Compute dtype of weights, activations and KV cache (bfloat16 halves memory)."),
        click.option("--mesh", default=None,
                     help="Device mesh, e.g. data=4,model=2 (default: all devices on data)."),
    ])


def host_options(fn):
    """Options of commands that can run over several hosts."""
    return _apply(fn, [
        click.option("--coordinator", default=None,
                     help="host:port of process 0 for multi-host runs (or JAX_COORDINATOR_ADDRESS)."),
        click.option("--num-processes", type=int, default=None,
                     help="Number of processes (or JAX_NUM_PROCESSES)."),
        click.option("--process-id", type=int, default=None,
                     help="This process's index (or JAX_PROCESS_ID)."),
    ])


@cli.command("infer")
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
                  **engine: object) -> None:
    """Generate text for each request (greedy unless --beam-size > 1)."""
    from pgeval.inference import infer  # the model stack loads only for commands that need it

    if engine["checkpoint"] is None:
        raise click.UsageError("Missing option '--checkpoint'.")
    path = infer(input_path=input_path, output_path=output, max_decode_len=max_decode_len,
                 beam_size=beam_size, **engine)
    if path is not None:
        click.echo(f"wrote {path}", err=True)


@cli.command("run")
@model_options
@host_options
@click.option("--auto-distributed/--no-auto-distributed", default=True, show_default=True,
              help="Join the multi-host run JAX detects on Cloud TPU VMs, SLURM or Open MPI "
                   "(the same command on every host); off: this host alone, unless the flags "
                   "above say otherwise.")
@click.option("--tasks", "task_list", required=True,
              help="Comma-separated task names, e.g. vqav2,docvqa (`pgeval tasks` lists them).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding <task>/ data (default: $PGEVAL_DATA, else ~/.cache/pgeval/data).")
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
@resource_options
@click.option("--demo", is_flag=True,
              help="Evaluate the bundled demo model on synthetic benchmarks (no download needed).")
@tasks_dir_option
def run_command(task_list: str, tasks_dirs: Sequence[str], **options: object) -> None:
    """Evaluate a checkpoint on tasks; write results.json, predictions/ and model_card.md."""
    from pgeval.evaluation import run_evaluation

    tasks = [t.strip() for t in task_list.split(",") if t.strip()]
    run = run_evaluation(tasks=tasks, tasks_dirs=tasks_dirs,
                         log=lambda m: click.echo(m, err=True), **options)
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
    click.echo("")
    click.echo((run.directory / "model_card.md").read_text(encoding="utf-8"))
    click.echo(f"run directory: {run.directory}")


@cli.command("bench")
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
        from pgeval.workload_bench import run_workload_bench

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
        from pgeval.bench import run_bench

        r = run_bench(config, images=images, **common)
        shown = f"{r.images} images" if r.images > 1 else "1 image"
        click.echo(f"{r.config} on {r.device}, batch {r.batch_size}, {shown} of {r.res} px, "
                   f"{r.decode_len} new tokens: pgeval {r.pgeval_ex_per_s:.2f} ex/s, transformers "
                   f"{r.hf_ex_per_s:.2f} ex/s, ratio {r.ratio:.2f}; {r.model_tflops:.3f} TFLOP/s = "
                   f"{100 * r.flops_fraction:.0f}% of a {r.peak_tflops:.3f} TFLOP/s matmul peak")
        result = dataclasses.asdict(r)
    if as_json:
        click.echo(json.dumps(result))


@cli.command("gate")
@click.option("--baseline", required=True, type=click.Path(),
              help="Baseline run directory, or its results.json.")
@click.option("--current", required=True, type=click.Path(), help="Run directory to check.")
@click.option("--max-drop", type=click.FloatRange(min=0), default=None,
              help="Fail when a metric drops by more than this many points (default: fail on a "
                   "statistically significant drop).")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level; intervals are at 1 - alpha.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.pass_context
def gate_command(ctx: click.Context, baseline: str, current: str, max_drop: float | None,
                 alpha: float, as_json: bool) -> None:
    """Compare a run against a baseline: exit 1 when a metric got worse, 0 otherwise, 2 when the
    input cannot be compared (a missing or malformed run, nothing in common)."""
    report = compare(load_run(baseline), load_run(current), max_drop=max_drop, alpha=alpha)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else render_gate(report))
    if report.failed:
        ctx.exit(1)


register_reports(cli)


def _terminate(_signum: int, _frame: object) -> None:
    """SIGTERM (what schedulers send before SIGKILL) stops a run as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI; a PgevalError prints its message and exits with its code, an
    interrupted run (Ctrl-C, SIGTERM) says what it kept and how to resume, and exits 130."""
    argv = list(sys.argv[1:] if argv is None else argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        code = cli.main(args=argv, prog_name="pgeval", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except Interrupted as e:
        click.echo(f"interrupted: {e}; resume with: {shlex.join(['pgeval', *argv])}", err=True)
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except PgevalError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main(sys.argv[1:])

