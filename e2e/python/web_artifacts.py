"""Data for the web UI's artifact and media pages (e2e/web/artifacts.e2e.test.ts).

Usage: web_artifacts.py --project P --dir D
1. A "producer" run logs the dataset artifact `tiny-ds` (two files, metadata, aliases best/prod).
2. A "consumer" run uses `tiny-ds:best`.
3. A "media" run logs a wandb.Image at steps 0..3 (a colour per step, a caption per step), a
   wandb.Html carrying an XSS payload, and a 120-row wandb.Table.
Prints one JSON line: the three run ids, entity, project, the artifact's version and file sizes.
"""

import argparse
import os

import wandb
from PIL import Image as PILImage

import ballast_e2e as e2e

XSS = '<script>window.top.__xss=1</script><img src=x onerror="window.top.__xss=1">'
COLOURS = [(220, 40, 40), (40, 160, 60), (40, 80, 220), (230, 200, 30)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()

    files = {
        "train.csv": "x,y\n" + "".join(f"{i},{i * i}\n" for i in range(50)),
        "labels.txt": "cat\ndog\n",
    }
    for name, text in files.items():
        e2e.write_text(os.path.join(args.dir, "ds", name), text)

    producer = wandb.init(project=args.project, job_type="produce", name="producer-run")
    art = wandb.Artifact("tiny-ds", type="dataset", description="two small files",
                         metadata={"rows": 50, "source": "synthetic", "note": XSS})
    art.add_dir(os.path.join(args.dir, "ds"))
    producer.log_artifact(art, aliases=["best", "prod"])
    art.wait()
    version = art.version
    producer.finish()

    consumer = wandb.init(project=args.project, job_type="consume", name="consumer-run")
    used = consumer.use_artifact("tiny-ds:best")
    used.download(root=os.path.join(args.dir, "download"))
    consumer.finish()

    media = wandb.init(project=args.project, name="media-run")
    for step, colour in enumerate(COLOURS):
        path = os.path.join(args.dir, f"img{step}.png")
        PILImage.new("RGB", (16, 8), colour).save(path)
        caption = f"caption for step {step}" if step != 2 else f"step 2 {XSS}"
        media.log({"samples": wandb.Image(path, caption=caption)}, step=step)
    media.log(
        {
            "page": wandb.Html(f"<h1 id='hello'>Hello from HTML media</h1>{XSS}"),
            "tbl": wandb.Table(columns=["i", "square", "label"],
                               data=[[i, i * i, f"row-{i}"] for i in range(120)]),
        },
        step=len(COLOURS),
    )
    media.finish()

    e2e.emit(
        {
            "entity": producer.entity,
            "project": producer.project,
            "producer": producer.id,
            "consumer": consumer.id,
            "media": media.id,
            "version": version,
            "sizes": {name: len(text.encode()) for name, text in files.items()},
        }
    )


if __name__ == "__main__":
    main()
