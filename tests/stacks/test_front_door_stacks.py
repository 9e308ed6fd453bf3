"""The front door of every environment stack, and its configuration.

``any_config`` tests hold for whatever environments the user configures; the others check the
reference values (tests/fixtures/environments.toml).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.config import AppConfig, ConfigError, FrontDoorConfig, parse
from stacks.serving_stack import ServingStack
from tests.conftest import REFERENCE_CONFIG_FILE, Synthesised
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
    with open(REFERENCE_CONFIG_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_every_environment_has_a_front_door_with_its_url_output(any_config: Synthesised) -> None:
    for name, template in any_config.templates.items():
        fd = any_config.config.environments[name].front_door
        assert len(_methods(template)) == 3 + bool(any_config.config.environments[name].inference_components), name
        outputs = template.to_json()["Outputs"]
        assert "https://" in str(outputs["FrontDoorUrl"]["Value"]), name
        functions = _props(template, "AWS::Lambda::Function")
        assert len(functions) == (0 if fd.integration == "direct" else 1), name
        assert all(fn["Runtime"] == "python3.12" and fn["Architectures"] == ["arm64"] for fn in functions)
        (stage,) = _props(template, "AWS::ApiGateway::Stage")
        assert stage["TracingEnabled"] is True
        # The account's API Gateway CloudWatch role only where the configuration asks for it.
        assert len(_props(template, "AWS::ApiGateway::Account")) == int(fd.cloud_watch_role), name


def test_the_reference_environments_set_the_cloud_watch_role(reference_config: AppConfig) -> None:
    assert all(env.front_door.cloud_watch_role for env in reference_config.environments.values())


def test_dev_front_door(reference_templates: dict[str, Template]) -> None:
    template = reference_templates["dev"]
    assert {m["AuthorizationType"] for m in _methods(template)} == {"AWS_IAM"}
    settings = _stage_settings(template)
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (10, 20)
    assert {g["RetentionInDays"] for g in _props(template, "AWS::Logs::LogGroup")} == {14}
    (fn,) = _props(template, "AWS::Lambda::Function")
    assert fn["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert fn["Environment"]["Variables"]["VARIANT_NAMES"] == "champion"
    assert not _props(template, "AWS::WAFv2::WebACL")
    assert not _props(template, "AWS::ApiGateway::UsagePlan")


def test_staging_front_door_uses_iam_and_a_usage_plan(reference_templates: dict[str, Template]) -> None:
    """Partners sign with SigV4 (IAM) and send their usage plan's key: never the API key alone."""
    template = reference_templates["staging"]
    assert all(m["AuthorizationType"] == "AWS_IAM" and m["ApiKeyRequired"] is True for m in _methods(template))
    (plan,) = _props(template, "AWS::ApiGateway::UsagePlan")
    assert plan["Throttle"] == {"RateLimit": 20, "BurstLimit": 40}
    assert plan["Quota"] == {"Limit": 50000, "Period": "DAY"}
    assert len(_props(template, "AWS::ApiGateway::ApiKey")) == 1
    assert "FrontDoorApiKeyId" in template.to_json()["Outputs"]
    settings = _stage_settings(template)
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 100)


def test_prod_front_door_has_iam_waf_and_higher_throttling(reference_templates: dict[str, Template]) -> None:
    template = reference_templates["prod"]
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
        ({"auth": "oauth"}, "front_door.auth: 'oauth' is not allowed; expected one of iam, api_key, cognito, none"),
        ({"integration": "grpc"}, "front_door.integration: 'grpc' is not allowed"),
        (
            {"auth": "none", "acknowledge_unauthenticated": True, "usage_plan": {"rate_limit": 1}},
            "front_door.usage_plan: not allowed with auth = 'none'",
        ),
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


def test_an_open_api_needs_the_acknowledgement(raw: dict[str, Any]) -> None:
    """NoAuth's interlock (the construct's rule), reported with the front door's key."""
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = {"auth": "none"}
    config = parse(data)
    with pytest.raises(ConfigError) as info:
        ServingStack(cdk.App(), "Open", config=config.environments["dev"], models=config.models)
    assert info.value.problems == (
        "environment 'dev': front_door.auth: NoAuth(acknowledge_unauthenticated=False) is not allowed; an API "
        "open to anyone needs NoAuth(acknowledge_unauthenticated=True), otherwise use IamAuth, ApiKeyAuth or "
        "CognitoAuth",
    )
    data["environments"]["dev"]["front_door"]["acknowledge_unauthenticated"] = True
    config = parse(data)
    stack = ServingStack(cdk.App(), "Open", config=config.environments["dev"], models=config.models)
    assert {m["AuthorizationType"] for m in _methods(Template.from_stack(stack))} == {"NONE"}


def test_range_errors_from_the_construct_name_the_environment_and_key(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["front_door"] = {"throttling_burst_limit": -1, "sagemaker_read_timeout_seconds": 30}
    config = parse(data)
    with pytest.raises(ConfigError) as info:
        ServingStack(cdk.App(), "Bad", config=config.environments["dev"], models=config.models)
    message = str(info.value)
    assert len(info.value.problems) == 2
    assert "environment 'dev': front_door.throttling_burst_limit: -1 is not allowed" in message
    assert (
        "environment 'dev': front_door.sagemaker_max_attempts × (sagemaker_connect_timeout_seconds + "
        "sagemaker_read_timeout_seconds): 2 attempt(s) × (1000 ms connect + 30000 ms read)" in message
    )


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


def test_the_real_handler_starts_with_the_settings_the_stack_gives_it(
    any_config: Synthesised, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The construct's timeout rule and the handler's agree: the handler loads (it refuses budgets over
    API Gateway's limit) and its worst case fits the function timeout the stack sets; every variable the
    stack sets is one the function's contract names."""
    for env, template in any_config.templates.items():
        for fn in template.find_resources("AWS::Lambda::Function").values():
            variables = fn["Properties"]["Environment"]["Variables"]
            with monkeypatch.context() as m:
                for key, value in variables.items():
                    m.setenv(key, value if isinstance(value, str) else "endpoint-from-template")
                m.setenv("AWS_DEFAULT_REGION", "us-east-1")
                contract, handler = load_runtime("contract", "handler")
            settings = handler.front_door.settings
            assert fn["Properties"]["Timeout"] - 1 >= settings.budget_ms / 1000, env
            assert fn["Properties"]["Timeout"] >= settings.lambda_timeout_seconds, env
            assert frozenset(filter(None, variables["VARIANT_NAMES"].split(","))) == settings.variant_names, env
            components = variables.get("INFERENCE_COMPONENTS", "")
            assert dict(p.split("=") for p in filter(None, components.split(","))) == settings.inference_components
            assert set(variables) <= {value for name, value in vars(contract).items() if name.startswith("ENV_")}, env


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


def test_the_api_is_private_exactly_where_configured(any_config: Synthesised) -> None:
    for name, env in any_config.config.environments.items():
        (api,) = _props(any_config.templates[name], "AWS::ApiGateway::RestApi")
        kind = "PRIVATE" if env.front_door.private else "REGIONAL"
        assert api["EndpointConfiguration"]["Types"] == [kind], name
        assert ("Policy" in api) is env.front_door.private, name


def test_private_is_off_in_every_reference_environment(reference_config: AppConfig) -> None:
    assert not any(env.front_door.private for env in reference_config.environments.values())


def test_prod_with_a_private_front_door_synthesises_passes_the_nag_packs_and_cfn_lint(
    raw: dict[str, Any], reference_stacks: dict[str, ServingStack], tmp_path: Path
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
    assert _acknowledged(stack) == _acknowledged(reference_stacks["prod"])

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


def test_body_limit_follows_the_endpoint_kind(any_config: Synthesised) -> None:
    """4 MiB on a serverless endpoint (Serverless Inference's limit), else Lambda's event limit less base64,
    unless the configuration sets a lower one."""
    for env, template in any_config.templates.items():
        config = any_config.config.environments[env]
        for fn in template.find_resources("AWS::Lambda::Function").values():
            limit = int(fn["Properties"]["Environment"]["Variables"]["MAX_BODY_BYTES"])
            default = 4_194_304 if config.serverless_variants else 4_521_984
            assert limit == (config.front_door.max_body_bytes or default), env


def test_reference_body_limits(reference_templates: dict[str, Template]) -> None:
    limits = {
        env: fn["Properties"]["Environment"]["Variables"]["MAX_BODY_BYTES"]
        for env, template in reference_templates.items()
        for fn in template.find_resources("AWS::Lambda::Function").values()
    }
    assert limits == {"dev": "4194304", "staging": "4521984", "prod": "4521984"}
