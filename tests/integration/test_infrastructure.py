"""The deployable definition, synthesised offline exactly as ``make package`` does, checked against the code.

Tables come from the PynamoDB models, functions, schedules and stream handlers from ``app.app``: a model,
job or handler added without its infrastructure fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from chalice.app import DynamoDBEventConfig, ScheduledEventConfig
from chalice.utils import to_cfn_resource_name

import app as application
from chalicelib.jobs.registry import JOBS
from chalicelib.store.models import ALL_MODELS, RAW_TABLE_MODELS
from infrastructure import tables, template

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "package" / "test-prod"
FUNCTION_TYPE = "AWS::Serverless::Function"
# One worker synthesises once: two would race on the same staging and output directories.
pytestmark = pytest.mark.xdist_group("package")


@pytest.fixture(scope="module")
def synthesised() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)})  # a region, no credentials
    result = subprocess.run(
        [sys.executable, "-m", "infrastructure.package", "--stage", "prod", "--out", str(OUT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((OUT / "sam.json").read_text())


def _resources(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in doc["Resources"].items() if r["Type"] == kind}


def _key_schema(keys: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in keys}


def test_every_model_is_a_table_with_its_keys_indexes_and_ttl(synthesised: dict[str, Any]) -> None:
    found = _resources(synthesised, "AWS::DynamoDB::Table")
    assert set(found) == {tables.logical_id(m) for m in ALL_MODELS}
    for model in ALL_MODELS:
        props = found[tables.logical_id(model)]["Properties"]
        schema = model._get_schema()
        assert props["TableName"] == f"bilten-prod-{tables.base_name(model)}"
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert _key_schema(props["KeySchema"]) == _key_schema(schema["key_schema"])
        assert props["KeySchema"][0]["KeyType"] == "HASH"
        expected_indexes = {
            i["index_name"]: (_key_schema(i["key_schema"]), i["projection"]["ProjectionType"])
            for i in schema["global_secondary_indexes"]
        }
        actual_indexes = {
            i["IndexName"]: (_key_schema(i["KeySchema"]), i["Projection"]["ProjectionType"])
            for i in props.get("GlobalSecondaryIndexes", [])
        }
        assert actual_indexes == expected_indexes, model.__name__
        defined = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        assert defined == {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
        ttl = model._ttl_attribute()
        if ttl is None:
            assert "TimeToLiveSpecification" not in props
        else:
            assert props["TimeToLiveSpecification"] == {"AttributeName": ttl.attr_name, "Enabled": True}


def test_raw_tables_stream_into_the_rollup_handler_with_partial_failures(synthesised: dict[str, Any]) -> None:
    found = _resources(synthesised, "AWS::DynamoDB::Table")
    for model in RAW_TABLE_MODELS:
        assert found[tables.logical_id(model)]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    functions = _resources(synthesised, FUNCTION_TYPE)
    sources = [s for s in application.app.event_sources if isinstance(s, DynamoDBEventConfig)]
    assert sources, "the app has a stream handler"
    for source in sources:
        events = functions[to_cfn_resource_name(source.name)]["Properties"]["Events"]
        assert len(events) == 1
        (event,) = events.values()
        props = event["Properties"]
        assert event["Type"] == "DynamoDB"
        assert props["Stream"]["Fn::GetAtt"][1] == "StreamArn"
        assert props["Stream"]["Fn::GetAtt"][0] in {tables.logical_id(m) for m in RAW_TABLE_MODELS}
        assert props["BatchSize"] == source.batch_size
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 < props["MaximumRetryAttempts"] <= 10


def test_each_schedule_is_present(synthesised: dict[str, Any]) -> None:
    functions = _resources(synthesised, FUNCTION_TYPE)
    schedules = [s for s in application.app.event_sources if isinstance(s, ScheduledEventConfig)]
    assert len(schedules) >= 4
    for source in schedules:
        function = functions[to_cfn_resource_name(source.name)]["Properties"]
        expressions = [e["Properties"]["Schedule"] for e in function["Events"].values() if e["Type"] == "Schedule"]
        assert expressions == [source.schedule_expression.to_string()], source.name
    # One scheduled function per registry job, deployed under the job's function name.
    scheduled = {
        name
        for name, f in functions.items()
        if any(e["Type"] == "Schedule" for e in f["Properties"].get("Events", {}).values())
    }
    assert scheduled == {to_cfn_resource_name(job.function) for job in JOBS.values()}
    for job in JOBS.values():
        function = functions[to_cfn_resource_name(job.function)]["Properties"]
        assert function["Handler"] == f"app.{job.function}"


def test_each_scheduled_function_is_granted_what_its_job_module_reaches() -> None:
    """app.py builds the schedule handlers in a loop; their bodies name no job, ``job_module`` does."""
    functions = template.functions_of(application.app)
    for job in JOBS.values():
        assert job.module in functions[to_cfn_resource_name(job.function)].modules, job.name


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_least_privilege_role_per_function(synthesised: dict[str, Any]) -> None:
    functions = _resources(synthesised, FUNCTION_TYPE)
    assert set(functions) == set(template.functions_of(application.app))
    roles = _resources(synthesised, "AWS::IAM::Role")
    used = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert len(used) == len(functions), "one role per function"
    assert used == set(roles), "no unused role"
    for name, role in roles.items():
        for statement in _statements(role):
            actions, resources = _as_list(statement["Action"]), _as_list(statement["Resource"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), (name, statement)
            assert "*" not in resources, (name, statement)
    # The authorizer touches no table; only the stream handler reads a stream.
    authorizer = _statements(roles[f"{to_cfn_resource_name('jwt_auth')}Role"])
    assert all(not a.startswith("dynamodb:") for s in authorizer for a in _as_list(s["Action"]))
    stream_readers = {
        name for name, role in roles.items() for s in _statements(role) if "dynamodb:GetRecords" in s["Action"]
    }
    assert stream_readers == {
        f"{to_cfn_resource_name(s.name)}Role"
        for s in application.app.event_sources
        if isinstance(s, DynamoDBEventConfig)
    }
    table_grants = json.dumps(_statements(roles["APIHandlerRole"]))
    assert "/index/*" in table_grants


def test_bucket_topic_throttling_and_alarms(synthesised: dict[str, Any]) -> None:
    (bucket,) = _resources(synthesised, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] > 0
    assert _resources(synthesised, "AWS::SNS::Topic")
    settings = synthesised["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    metrics = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in _resources(synthesised, "AWS::CloudWatch::Alarm").values()
    }
    assert {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"), ("AWS/ApiGateway", "Latency")} <= metrics
    assert ("AWS/DynamoDB", "WriteThrottleEvents") in metrics


def test_cfn_lint_is_clean(synthesised: dict[str, Any]) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(OUT / "sam.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_function_package_leaves_boto_to_the_runtime(synthesised: dict[str, Any]) -> None:
    with zipfile.ZipFile(OUT / "deployment.zip") as package:
        tops = {name.split("/", 1)[0] for name in package.namelist()}
    assert {"app.py", "chalicelib", "pynamodb", "aws_lambda_powertools", "datasketches"} <= tops
    assert not {t for t in tops if t.split("-")[0] in ("boto3", "botocore", "s3transfer", "numpy")}
    assert (OUT / "deployment.zip").stat().st_size <= 15 * 1024 * 1024
    with zipfile.ZipFile(OUT / "binary-dependencies.zip") as layer:
        assert any(name.startswith("python/numpy/") for name in layer.namelist())
