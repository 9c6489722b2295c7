"""Create what the stack needs in the moto server: tables (from the models), the export
and lake buckets and the alert topic. Idempotent, so it runs on every ``make dev``."""

from __future__ import annotations

import json

import boto3

from chalicelib.config import get_settings
from chalicelib.store.tables import create_tables


def bootstrap() -> dict[str, object]:
    settings = get_settings()
    created = create_tables()
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in (settings.export_bucket, settings.lake_bucket):
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
    topic_arn = None
    if settings.alert_topic_arn:
        sns = boto3.client("sns", region_name=settings.region, endpoint_url=settings.sns_endpoint)
        topic_arn = sns.create_topic(Name=settings.alert_topic_arn.rsplit(":", 1)[-1])["TopicArn"]
    return {"tables_created": created, "bucket": settings.export_bucket, "topic": topic_arn}


if __name__ == "__main__":
    print(json.dumps(bootstrap()))
