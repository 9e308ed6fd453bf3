"""The front door of every environment stack, and its configuration."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.config import CONFIG_FILE, ConfigError, FrontDoorConfig, parse
from stacks.serving_stack import ServingStack
from tests.support.front_door_runtime import load_runtime


def _props(template: Template, type_name: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template.find_resources(type_name).values()]


def _methods(template: Template) -> list[dict[str, Any]]:
    return [m for m in _props(template, "AWS::ApiGateway::Method") if m["HttpMethod"] != "OPTIONS"]


def _stage_settings(template: Template) -> dict[str, Any]:
    (stage,) = _props(template, "AWS::ApiGateway::Stage")
    (settings,) = stage["MethodSettings"]
    return settings  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    with open(CONFIG_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_every_environment_has_a_front_door_with_its_url_output(env_templates: dict[str, Template]) -> None:
    for name, template in env_templates.items():
        assert len(_methods(template)) == 3, name
        outputs = template.to_json()["Outputs"]
        assert "https://" in str(outputs["FrontDoorUrl"]["Value"]), name
        (fn,) = _props(template, "AWS::Lambda::Function")
        assert fn["Runtime"] == "python3.12" and fn["Architectures"] == ["arm64"]
        (stage,) = _props(template, "AWS::ApiGateway::Stage")
        assert stage["TracingEnabled"] is True
        # The reference app sets the account's API Gateway CloudWatch role (execution logging is on).
        assert len(_props(template, "AWS::ApiGateway::Account")) == 1


def test_dev_front_door(env_templates: dict[str, Template]) -> None:
    template = env_templates["dev"]
    assert {m["AuthorizationType"] for m in _methods(template)} == {"AWS_IAM"}
    settings = _stage_settings(template)
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (10, 20)
    assert {g["RetentionInDays"] for g in _props(template, "AWS::Logs::LogGroup")} == {14}
    (fn,) = _props(template, "AWS::Lambda::Function")
    assert fn["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert fn["Environment"]["Variables"]["VARIANT_NAMES"] == "champion"
    assert not _props(template, "AWS::WAFv2::WebACL")
    assert not _props(template, "AWS::ApiGateway::UsagePlan")


def test_staging_front_door_uses_api_keys(env_templates: dict[str, Template]) -> None:
    template = env_templates["staging"]
    assert all(m["AuthorizationType"] == "NONE" and m["ApiKeyRequired"] is True for m in _methods(template))
    (plan,) = _props(template, "AWS::ApiGateway::UsagePlan")
    assert plan["Throttle"] == {"RateLimit": 20, "BurstLimit": 40}
    assert plan["Quota"] == {"Limit": 50000, "Period": "DAY"}
    assert len(_props(template, "AWS::ApiGateway::ApiKey")) == 1
    assert "FrontDoorApiKeyId" in template.to_json()["Outputs"]
    settings = _stage_settings(template)
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 100)


def test_prod_front_door_has_iam_waf_and_higher_throttling(env_templates: dict[str, Template]) -> None:
    template = env_templates["prod"]
    assert {m["AuthorizationType"] for m in _methods(template)} == {"AWS_IAM"}
    settings = _stage_settings(template)
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (200, 400)
    assert settings["DataTraceEnabled"] is False
    (acl,) = _props(template, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert {r["Name"] for r in acl["Rules"]} == {
        "RateLimitPerIp",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    }
    assert len(_props(template, "AWS::WAFv2::WebACLAssociation")) == 1
    assert {g["RetentionInDays"] for g in _props(template, "AWS::Logs::LogGroup")} == {365}
    (fn,) = _props(template, "AWS::Lambda::Function")
    assert fn["MemorySize"] == 512
    assert fn["Environment"]["Variables"]["VARIANT_NAMES"] == "champion,challenger"


def test_an_environment_without_a_front_door_table_gets_iam(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    del data["environments"]["dev"]["front_door"]
    config = parse(data)
    assert config.environments["dev"].front_door == FrontDoorConfig()
    assert config.environments["dev"].front_door.auth == "iam"


@pytest.mark.parametrize(
    ("front_door", "message"),
    [
        ({"auth": "none"}, "front_door.auth: 'none' is not allowed without acknowledge_unauthenticated = true"),
        ({"auth": "oauth"}, "front_door.auth: 'oauth' is not allowed; expected one of iam, api_key, cognito, none"),
        ({"integration": "grpc"}, "front_door.integration: 'grpc' is not allowed"),
        ({"usage_plan": {"rate_limit": 1}}, "front_door.usage_plan: only allowed with auth = 'api_key'"),
        ({"auth": "iam", "acknowledge_unauthenticated": True}, "acknowledge_unauthenticated: only allowed with auth"),
        ({"auth": "api_key", "usage_plan": {"quota_period": "YEAR"}}, "usage_plan.quota_period: 'YEAR'"),
        ({"cognito_scopes": ["a"]}, "cognito_user_pool_id/cognito_scopes: only allowed with auth = 'cognito'"),
        ({"log_retention_days": 10}, "front_door.log_retention_days: 10 is not allowed"),
        ({"execution_log_level": "DEBUG"}, "front_door.execution_log_level: 'DEBUG' is not allowed"),
        ({"throtling_rate_limit": 5}, "front_door.throtling_rate_limit: is not a known key; did you mean"),
        ({"throttling_burst_limit": "high"}, "front_door.throttling_burst_limit: 'high' is not allowed; expected int"),
    ],
)
def test_bad_front_door_config_is_rejected(raw: dict[str, Any], front_door: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = front_door
    with pytest.raises(ConfigError) as info:
        parse(data)
    assert any(p.startswith("environment 'dev': ") and message in p for p in info.value.problems), info.value


def test_range_errors_from_the_construct_name_the_environment(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = {"throttling_burst_limit": -1, "sagemaker_read_timeout_seconds": 30}
    config = parse(data)
    with pytest.raises(ConfigError) as info:
        ServingStack(cdk.App(), "Bad", config=config.environments["dev"], models=config.models)
    message = str(info.value)
    assert len(info.value.problems) == 2
    assert "environment 'dev': Invalid front door props: throttling_burst_limit: -1 is not allowed" in message
    assert "sagemaker timeouts: 2 attempt(s) × (1000 ms connect + 30000 ms read)" in message


def test_direct_and_cognito_environments_synthesise(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = {"integration": "direct", "auth": "cognito", "cognito_scopes": ["x/y"]}
    data["environments"]["staging"]["front_door"] = {
        "auth": "cognito",
        "cognito_user_pool_id": "eu-west-1_abcdefghi",
    }
    config = parse(data)
    app = cdk.App()
    dev = ServingStack(app, "Dev", config=config.environments["dev"], models=config.models)
    staging = ServingStack(app, "Staging", config=config.environments["staging"], models=config.models)
    dev_template, staging_template = Template.from_stack(dev), Template.from_stack(staging)
    assert not _props(dev_template, "AWS::Lambda::Function")
    assert {m["Integration"]["Type"] for m in _methods(dev_template)} == {"AWS"}
    assert {m["AuthorizationType"] for m in _methods(dev_template)} == {"COGNITO_USER_POOLS"}
    assert len(_props(dev_template, "AWS::Cognito::UserPool")) == 1
    assert not _props(staging_template, "AWS::Cognito::UserPool")  # imported by ID
    (authorizer,) = _props(staging_template, "AWS::ApiGateway::Authorizer")
    assert "userpool/eu-west-1_abcdefghi" in str(authorizer["ProviderARNs"])


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_real_handler_starts_with_the_settings_the_stack_gives_it(
    env: str, env_templates: dict[str, Template], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The construct's timeout rule and the handler's agree: the handler loads (it refuses budgets over
    API Gateway's limit) and its worst case fits the function timeout the stack sets; every variable the
    stack sets is one the function's contract names."""
    (fn,) = env_templates[env].find_resources("AWS::Lambda::Function").values()
    variables = fn["Properties"]["Environment"]["Variables"]
    for key, value in variables.items():
        monkeypatch.setenv(key, value if isinstance(value, str) else "endpoint-from-template")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    contract, handler = load_runtime("contract", "handler")
    settings = handler.front_door.settings
    assert fn["Properties"]["Timeout"] - 1 >= settings.budget_ms / 1000
    assert fn["Properties"]["Timeout"] >= settings.lambda_timeout_seconds
    assert frozenset(variables["VARIANT_NAMES"].split(",")) == settings.variant_names
    assert set(variables) <= {value for name, value in vars(contract).items() if name.startswith("ENV_")}


def _acknowledged(stack: cdk.Stack) -> dict[tuple[str, str], str]:
    found = {}
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                path = construct.node.path.removeprefix(f"{stack.node.path}/")
                for rule, reason in entry.data.items():
                    found[(path, rule.removeprefix("Annotation::"))] = reason
    return found


def test_private_front_door_needs_a_vpc(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"]["private"] = True
    data["environments"]["staging"]["front_door"]["private"] = "yes"
    with pytest.raises(ConfigError) as info:
        parse(data)
    assert info.value.problems == (
        "environment 'dev': front_door.private: true is not allowed without network.vpc = true; a private API is "
        "reached through an execute-api VPC endpoint in the environment's VPC: set network.vpc = true or "
        "front_door.private = false",
        "environment 'staging': front_door.private: 'yes' is not allowed; expected bool",
    )


def test_private_is_off_in_every_reference_environment(app_config: Any, env_templates: dict[str, Template]) -> None:
    for name, env in app_config.environments.items():
        assert env.front_door.private is False, name
        (api,) = _props(env_templates[name], "AWS::ApiGateway::RestApi")
        assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]} and "Policy" not in api, name


def test_prod_with_a_private_front_door_synthesises_passes_the_nag_packs_and_cfn_lint(
    raw: dict[str, Any], env_stacks: dict[str, cdk.Stack], tmp_path: Path
) -> None:
    from cfnlint.api import ManualArgs, lint_file

    import app as app_module

    data = copy.deepcopy(raw)
    data["environments"]["prod"]["front_door"]["private"] = True
    config = parse(data)
    app = app_module.build_app(config, outdir=str(tmp_path), context={"env": "prod"})
    app.synth()
    stack = app.node.find_child(config.environments["prod"].stack_name)
    assert isinstance(stack, ServingStack)
    template = Template.from_stack(stack)

    (api,) = _props(template, "AWS::ApiGateway::RestApi")
    (vpce_id,) = [
        k
        for k, r in template.find_resources("AWS::EC2::VPCEndpoint").items()
        if "execute-api" in str(r["Properties"]["ServiceName"])
    ]
    assert api["EndpointConfiguration"] == {"Types": ["PRIVATE"], "VpcEndpointIds": [{"Ref": vpce_id}]}
    assert [s["Effect"] for s in api["Policy"]["Statement"]] == ["Deny", "Allow"]
    assert {m["AuthorizationType"] for m in _methods(template)} == {"AWS_IAM"}
    assert len(_props(template, "AWS::WAFv2::WebACLAssociation")) == 1  # prod's WAF stays on

    findings = [
        f"{v.severity}: {v.rule_name} at {r.construct_path}"
        for pack in app_module.nag_packs()
        for v in pack.validate_scope(app).violations
        for r in v.violating_resources
    ]
    assert findings == []
    # No new acknowledgement: the private variant needs exactly those of the reference prod stack.
    assert _acknowledged(stack) == _acknowledged(env_stacks["prod"])

    (path,) = tmp_path.glob("ModelServing-prod.template.json")
    found = lint_file(path, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [m for m in found if m.rule.id.startswith("E") or (m.rule.id.startswith("W") and m.rule.id != "W3005")]
    assert [f"{m.rule.id} {m.message}" for m in errors] == []


def test_direct_environment_refuses_lambda_only_settings(raw: dict[str, Any]) -> None:
    """Direct mode has no function: a Lambda-only setting in its config is an error, not silently ignored."""
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = {"integration": "direct", "memory_size_mb": 1024, "max_body_bytes": 10}
    with pytest.raises(ConfigError) as info:
        parse(data)
    message = str(info.value)
    assert "environment 'dev': front_door.memory_size_mb: 1024 is not allowed with integration = 'direct'" in message
    assert "environment 'dev': front_door.max_body_bytes: 10 is not allowed with integration = 'direct'" in message


def test_body_limit_follows_the_endpoint_kind(env_templates: dict[str, Template]) -> None:
    """4 MiB on a serverless endpoint (Serverless Inference's limit), else Lambda's event limit less base64."""
    limits = {
        env: fn["Properties"]["Environment"]["Variables"]["MAX_BODY_BYTES"]
        for env, template in env_templates.items()
        for fn in template.find_resources("AWS::Lambda::Function").values()
        if "MAX_BODY_BYTES" in fn["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert limits == {"dev": "4194304", "staging": "4521984", "prod": "4521984"}
