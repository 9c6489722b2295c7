"""The CloudFormation merged into ``chalice package`` output: everything outside the Lambda code.

Chalice generates the functions, the REST API, the schedules and the stream
event source from ``app.app``; this module adds what Chalice does not know and
tightens what it generates:

- every table, from the PynamoDB models (``infrastructure.tables``);
- the stream mapping's failure handling (partial batch failures, bisect, bounded
  retries, failed batches reported to the alert topic) and its source, the
  events table's own stream;
- the SNS alert topic and the encrypted, private, expiring S3 export bucket;
- API throttling;
- one IAM role per function granting only the tables, indexes, stream, bucket
  and topic its code reaches (``infrastructure.access``);
- CloudWatch alarms on function errors and throttles, API 5xx and p95 latency,
  stream iterator age and table write throttling, all to the alert topic.

Every function, schedule and stream handler is read from ``app.app``, so a new
route, job or handler is covered without editing this file.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice
from chalice.app import DynamoDBEventConfig
from chalice.utils import to_cfn_resource_name
from pynamodb.models import Model

from chalicelib.config import get_settings
from chalicelib.store.models import ALL_MODELS
from infrastructure import access, tables

APP_MODULE = "app"
API_HANDLER = "APIHandler"
ALERT_TOPIC = "AlertTopic"
EXPORT_BUCKET = "ExportBucket"
EXPORT_EXPIRY_DAYS = 7
ROLE_PLACEHOLDER = "arn:aws:iam::000000000000:role/replaced-by-infrastructure-template"

# Stream mapping: a poison record is isolated by bisection and reported, never retried forever.
STREAM_MAPPING = {
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "BisectBatchOnFunctionError": True,
    "MaximumRetryAttempts": 5,
    "MaximumRecordAgeInSeconds": 6 * 3600,
}
# API Gateway stage throttling: per-IP limits live in the app; this caps the whole stage.
API_THROTTLE = {"ThrottlingRateLimit": 2000, "ThrottlingBurstLimit": 4000}

TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
BUCKET_OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject"]
BUCKET_ACTIONS = ["s3:ListBucket"]


def _arn(model: type[Model]) -> dict[str, Any]:
    return {"Fn::GetAtt": [tables.logical_id(model), "Arn"]}


def _sub_arn(model: type[Model], suffix: str) -> dict[str, Any]:
    return {"Fn::Sub": ["${TableArn}" + suffix, {"TableArn": _arn(model)}]}


def model_for_stream(stream_arn: str) -> type[Model]:
    """The model whose table a stream ARN (``...:table/<name>/stream/...``) belongs to."""
    table_name = stream_arn.split(":table/", 1)[1].split("/", 1)[0]
    base = table_name.removeprefix(get_settings().table_prefix)
    for model in ALL_MODELS:
        if tables.base_name(model) == base or model.Meta.table_name == table_name:
            return model
    raise LookupError(f"no model owns the stream {stream_arn}")


def functions_of(app: Chalice) -> dict[str, access.Reach]:
    """Every Lambda function ``chalice package`` makes from ``app``, by logical id, with what its code reaches."""
    found: dict[str, access.Reach] = {}
    if app.routes:
        found[API_HANDLER] = access.reach_of_module(APP_MODULE)
    for auth in app.builtin_auth_handlers:
        found[to_cfn_resource_name(auth.name)] = access.reach_of_function(app.handler_map[auth.name])
    for source in app.event_sources:
        found[to_cfn_resource_name(source.name)] = access.reach_of_function(app.handler_map[source.name])
    for function in app.pure_lambda_functions:
        found[to_cfn_resource_name(function.name)] = access.reach_of_function(app.handler_map[function.name])
    return found


def _policy(name: str, reach: access.Reach, stream_models: list[type[Model]]) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"
            },
        }
    ]
    tables_reached = sorted(reach.tables, key=lambda m: m.__name__)
    if tables_reached:
        statements.append(
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": TABLE_ACTIONS,
                "Resource": [r for m in tables_reached for r in (_arn(m), _sub_arn(m, "/index/*"))],
            }
        )
    if stream_models:
        statements.append(
            {
                "Sid": "Streams",
                "Effect": "Allow",
                "Action": STREAM_ACTIONS,
                "Resource": [_sub_arn(m, "/stream/*") for m in stream_models],
            }
        )
    if reach.export_bucket:
        statements.append(
            {
                "Sid": "ExportObjects",
                "Effect": "Allow",
                "Action": BUCKET_OBJECT_ACTIONS,
                "Resource": {"Fn::Sub": "${" + EXPORT_BUCKET + ".Arn}/*"},
            }
        )
        statements.append(
            {
                "Sid": "ExportBucket",
                "Effect": "Allow",
                "Action": BUCKET_ACTIONS,
                "Resource": {"Fn::GetAtt": [EXPORT_BUCKET, "Arn"]},
            }
        )
    if reach.alert_topic or stream_models:  # stream handlers report failed batches to the topic
        statements.append(
            {"Sid": "Alerts", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": {"Ref": ALERT_TOPIC}}
        )
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [
                {"PolicyName": f"{name}Access", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}
            ],
        },
    }


def _alarm(description: str, metric: dict[str, Any], threshold: float, periods: int = 1) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": threshold,
            "EvaluationPeriods": periods,
            "DatapointsToAlarm": periods,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": ALERT_TOPIC}],
            "OKActions": [{"Ref": ALERT_TOPIC}],
            **metric,
        },
    }


def _function_metric(function: str, name: str, statistic: str = "Sum", period: int = 300) -> dict[str, Any]:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": name,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function}}],
        "Statistic": statistic,
        "Period": period,
    }


def alarms(app: Chalice, functions: list[str], stream_functions: list[str], stage: str) -> dict[str, Any]:
    latency_ms = get_settings().latency_threshold_ms
    api_dimensions = [{"Name": "ApiName", "Value": app.app_name}, {"Name": "Stage", "Value": stage}]
    out: dict[str, Any] = {}
    for function in functions:
        out[f"{function}ErrorsAlarm"] = _alarm(f"{function} raised errors", _function_metric(function, "Errors"), 1)
        out[f"{function}ThrottlesAlarm"] = _alarm(
            f"{function} was throttled", _function_metric(function, "Throttles"), 1
        )
    for function in stream_functions:
        out[f"{function}IteratorAgeAlarm"] = _alarm(
            f"{function} is more than 5 minutes behind its stream",
            _function_metric(function, "IteratorAge", "Maximum", 60),
            300_000,
            periods=5,
        )
    if app.routes:
        out["Api5xxAlarm"] = _alarm(
            "API answered 5xx",
            {"Namespace": "AWS/ApiGateway", "MetricName": "5XXError", "Dimensions": api_dimensions}
            | {"Statistic": "Sum", "Period": 300},
            5,
        )
        out["ApiLatencyP95Alarm"] = _alarm(
            f"API p95 latency above {latency_ms:g} ms for 3 minutes",
            {"Namespace": "AWS/ApiGateway", "MetricName": "Latency", "Dimensions": api_dimensions}
            | {"ExtendedStatistic": "p95", "Period": 60},
            latency_ms,
            periods=3,
        )
    for model in ALL_MODELS:
        out[f"{tables.logical_id(model)}WriteThrottleAlarm"] = _alarm(
            f"{tables.base_name(model)} table throttled writes",
            {
                "Namespace": "AWS/DynamoDB",
                "MetricName": "WriteThrottleEvents",
                "Dimensions": [{"Name": "TableName", "Value": {"Ref": tables.logical_id(model)}}],
                "Statistic": "Sum",
                "Period": 300,
            },
            1,
        )
    return out


def export_bucket() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireExports",
                        "Status": "Enabled",
                        "ExpirationInDays": EXPORT_EXPIRY_DAYS,
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
    }


def export_bucket_policy() -> dict[str, Any]:
    """Refuse plain HTTP: exports hold personal data."""
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": EXPORT_BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": [EXPORT_BUCKET, "Arn"]},
                            {"Fn::Sub": "${" + EXPORT_BUCKET + ".Arn}/*"},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def merge_template(app: Chalice, stage: str, table_prefix: str, api_stage: str = "api") -> dict[str, Any]:
    """The template ``chalice package --merge-template`` merges into its SAM output for ``stage``."""
    protect = stage == "prod"
    functions = functions_of(app)
    stream_sources = {s.name: s for s in app.event_sources if isinstance(s, DynamoDBEventConfig)}
    stream_function_ids = [to_cfn_resource_name(name) for name in stream_sources]
    resources: dict[str, Any] = {
        tables.logical_id(m): tables.table_resource(m, table_prefix, protect) for m in ALL_MODELS
    }
    resources[ALERT_TOPIC] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": f"{app.app_name} {stage} alerts", "KmsMasterKeyId": "alias/aws/sns"},
    }
    resources[EXPORT_BUCKET] = export_bucket()
    resources[f"{EXPORT_BUCKET}Policy"] = export_bucket_policy()
    events_model = model_for_stream(get_settings().events_stream_arn)
    environment = {
        "EVENTS_STREAM_ARN": {"Fn::GetAtt": [tables.logical_id(events_model), "StreamArn"]},
        "ALERT_TOPIC_ARN": {"Ref": ALERT_TOPIC},
        "EXPORT_BUCKET": {"Ref": EXPORT_BUCKET},
        "JWT_SECRET": {"Ref": "JwtSecret"},
        "IP_HASH_SECRET": {"Ref": "IpHashSecret"},
    }
    for function_id, reach in functions.items():
        name_sources = [s for n, s in stream_sources.items() if to_cfn_resource_name(n) == function_id]
        stream_models = [model_for_stream(s.stream_arn) for s in name_sources]
        resources[f"{function_id}Role"] = _policy(function_id, reach, stream_models)
        properties: dict[str, Any] = {
            "Role": {"Fn::GetAtt": [f"{function_id}Role", "Arn"]},
            "Environment": {"Variables": environment},
        }
        for model in stream_models:
            properties["Events"] = {
                f"{function_id}DynamodbEventSource": {
                    "Properties": {
                        "Stream": {"Fn::GetAtt": [tables.logical_id(model), "StreamArn"]},
                        **STREAM_MAPPING,
                        "DestinationConfig": {"OnFailure": {"Type": "SNS", "Destination": {"Ref": ALERT_TOPIC}}},
                    }
                }
            }
        resources[function_id] = {"Properties": properties}
    if app.routes:
        resources["RestAPI"] = {
            "Properties": {
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True, **API_THROTTLE}]
            }
        }
    resources |= alarms(app, list(functions), stream_function_ids, api_stage)
    secret = {"Type": "String", "NoEcho": True, "MinLength": 32}
    return {
        "Parameters": {
            "JwtSecret": secret | {"Description": "HS256 key of the dashboard/API tokens (32+ characters)"},
            "IpHashSecret": secret | {"Description": "Key of the daily visitor hash (32+ characters)"},
        },
        "Resources": resources,
        "Outputs": {
            "AlertTopicArn": {"Value": {"Ref": ALERT_TOPIC}},
            "ExportBucketName": {"Value": {"Ref": EXPORT_BUCKET}},
            "EventsStreamArn": {"Value": {"Fn::GetAtt": [tables.logical_id(events_model), "StreamArn"]}},
        },
    }
