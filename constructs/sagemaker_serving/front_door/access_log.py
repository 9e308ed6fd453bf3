"""The front door's JSON access log: its fields, its format and its log group."""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

#: The JSON access log line. Never the body: API Gateway has no body variable in access logs.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "userArn": "$context.identity.userArn",
    "apiKeyId": "$context.identity.apiKeyId",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "errorType": "$context.error.responseType",
    # messageString is already a quoted, escaped JSON string: no quotes around it (see ACCESS_LOG_FORMAT).
    "errorMessage": "$context.error.messageString",
    "wafResponseCode": "$context.wafResponseCode",
    "xrayTraceId": "$context.xrayTraceId",
}

#: The access log format: the fields as JSON, with ``$context.error.messageString`` unquoted (API Gateway
#: puts the quotes in, and escapes the message, so a quote in it cannot break the line's JSON).
ACCESS_LOG_FORMAT = json.dumps(ACCESS_LOG_FIELDS).replace(
    '"$context.error.messageString"', "$context.error.messageString"
)


def access_log_group(scope: Construct, *, retention: logs.RetentionDays, encryption_key: kms.IKey) -> logs.LogGroup:
    """The stage's access log group (``AccessLogs``), encrypted with ``encryption_key``."""
    return logs.LogGroup(scope, "AccessLogs", retention=retention, encryption_key=encryption_key)


def access_log_settings(group: logs.ILogGroup) -> tuple[apigateway.LogGroupLogDestination, apigateway.AccessLogFormat]:
    """Destination and format of the stage's access logs."""
    return apigateway.LogGroupLogDestination(group), apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


#: The retention periods CloudWatch Logs accepts, in days, and their ``logs.RetentionDays`` names.
RETENTION_DAYS = {
    1: "ONE_DAY",
    3: "THREE_DAYS",
    5: "FIVE_DAYS",
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    60: "TWO_MONTHS",
    90: "THREE_MONTHS",
    120: "FOUR_MONTHS",
    150: "FIVE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS",
    731: "TWO_YEARS",
    1096: "THREE_YEARS",
    1827: "FIVE_YEARS",
    2192: "SIX_YEARS",
    2557: "SEVEN_YEARS",
    2922: "EIGHT_YEARS",
    3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}


def log_retention(days: int) -> logs.RetentionDays:
    """CloudWatch Logs retention from a number of days (one of :data:`RETENTION_DAYS`; ``KeyError`` otherwise)."""
    retention: logs.RetentionDays = getattr(logs.RetentionDays, RETENTION_DAYS[days])
    return retention
