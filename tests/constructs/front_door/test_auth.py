"""The front door's auth objects: what each binds to the methods, usage plans, warnings, validation."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Annotations, Match

from sagemaker_serving import (
    ApiKeyAuth,
    CognitoAuth,
    DirectIntegration,
    FrontDoor,
    FrontDoorAuth,
    IamAuth,
    NoAuth,
    UsagePlanOptions,
    ValidationError,
)
from sagemaker_serving.front_door.auth.api_key import API_KEY_ALONE_WARNING
from tests.constructs.front_door.support import (
    acknowledged,
    acknowledged_rules,
    endpoint,
    front_door,
    methods,
    of_type,
    one,
    template,
)


def _build() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    by_auth = {
        "Default": front_door("Default"),
        "ApiKey": front_door(
            "ApiKey",
            auth=ApiKeyAuth(
                usage_plan=UsagePlanOptions(rate_limit=5, burst_limit=10, quota_limit=1000, quota_period="WEEK")
            ),
        ),
        "DirectApiKey": front_door("DirectApiKey", integration=DirectIntegration(), auth=ApiKeyAuth()),
        "IamPlan": front_door("IamPlan", auth=IamAuth(usage_plan=UsagePlanOptions(rate_limit=3, quota_limit=None))),
        "Cognito": front_door("Cognito", auth=CognitoAuth(authorization_scopes=("models/invoke",))),
        "CognitoPlan": front_door("CognitoPlan", auth=CognitoAuth(usage_plan=UsagePlanOptions())),
        "Open": front_door("Open", auth=NoAuth(acknowledge_unauthenticated=True)),
    }
    existing = cdk.Stack(cdk.App(), "CognitoExisting")
    pool = cognito.UserPool(existing, "Pool")
    by_auth["CognitoExisting"] = (
        existing,
        FrontDoor(existing, "FrontDoor", endpoint=endpoint(existing), auth=CognitoAuth(user_pool=pool)),
    )
    return by_auth


@pytest.fixture(scope="module")
def by_auth() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    return _build()


@pytest.fixture(scope="module")
def auth_templates(by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]) -> dict[str, dict[str, Any]]:
    return {name: template(stack) for name, (stack, _) in by_auth.items()}


def test_iam_auth_is_the_default(
    auth_templates: dict[str, dict[str, Any]], by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]
) -> None:
    for method in methods(auth_templates["Default"]).values():
        assert method["AuthorizationType"] == "AWS_IAM"
        assert "ApiKeyRequired" not in method
    assert not of_type(auth_templates["Default"], "AWS::ApiGateway::UsagePlan")
    assert not of_type(auth_templates["Default"], "AWS::ApiGateway::Authorizer")
    assert isinstance(by_auth["Default"][1].auth, IamAuth)


@pytest.mark.parametrize("name", ["ApiKey", "DirectApiKey"])
def test_api_key_auth_has_a_usage_plan_with_throttle_and_quota(
    auth_templates: dict[str, dict[str, Any]], by_auth: dict[str, tuple[cdk.Stack, FrontDoor]], name: str
) -> None:
    template = auth_templates[name]
    for method in methods(template).values():
        assert method["AuthorizationType"] == "NONE"
        assert method["ApiKeyRequired"] is True
    plan = one(template, "AWS::ApiGateway::UsagePlan")
    if name == "ApiKey":
        assert plan["Throttle"] == {"RateLimit": 5, "BurstLimit": 10}
        assert plan["Quota"] == {"Limit": 1000, "Period": "WEEK"}
    else:
        assert plan["Throttle"] == {"RateLimit": 10, "BurstLimit": 20}
        assert plan["Quota"] == {"Limit": 10000, "Period": "DAY"}
    (stage_id,) = of_type(template, "AWS::ApiGateway::Stage")
    assert plan["ApiStages"][0]["Stage"] == {"Ref": stage_id}
    (key_id,) = of_type(template, "AWS::ApiGateway::ApiKey")
    assert one(template, "AWS::ApiGateway::UsagePlanKey")["KeyId"] == {"Ref": key_id}
    front_door = by_auth[name][1]
    assert front_door.usage_plan is not None and front_door.api_key is not None


def test_iam_auth_with_a_usage_plan_requires_the_signature_and_a_key(
    auth_templates: dict[str, dict[str, Any]], by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]
) -> None:
    template = auth_templates["IamPlan"]
    for method in methods(template).values():
        assert method["AuthorizationType"] == "AWS_IAM"
        assert method["ApiKeyRequired"] is True
    plan = one(template, "AWS::ApiGateway::UsagePlan")
    assert plan["Throttle"] == {"RateLimit": 3, "BurstLimit": 20}
    assert "Quota" not in plan  # quota_limit=None
    (key_id,) = of_type(template, "AWS::ApiGateway::ApiKey")
    assert one(template, "AWS::ApiGateway::UsagePlanKey")["KeyId"] == {"Ref": key_id}
    front_door = by_auth["IamPlan"][1]
    assert front_door.usage_plan is not None and front_door.api_key is not None


def test_cognito_auth_with_a_usage_plan_requires_the_token_and_a_key(auth_templates: dict[str, dict[str, Any]]) -> None:
    template = auth_templates["CognitoPlan"]
    for method in methods(template).values():
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert method["ApiKeyRequired"] is True
    assert one(template, "AWS::ApiGateway::UsagePlan")["Quota"] == {"Limit": 10000, "Period": "DAY"}


def test_only_api_key_auth_warns_that_a_key_alone_is_not_access_control(
    by_auth: dict[str, tuple[cdk.Stack, FrontDoor]],
) -> None:
    message = Match.string_like_regexp(
        r"ApiKeyAuth: .*AWS's usage-plan guide says not to use API keys for authentication or authorization.*"
        r"apigateway-usage-plans-best-practices.*IamAuth\(usage_plan=.*CognitoAuth\(usage_plan="
    )
    for name in ("ApiKey", "DirectApiKey"):
        stack = by_auth[name][0]
        Annotations.from_stack(stack).has_warning("/" + name + "/FrontDoor", message)
    for name in ("Default", "IamPlan", "CognitoPlan", "Open"):
        stack = by_auth[name][0]
        Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("ApiKeyAuth"))


def test_the_api_key_warning_can_be_acknowledged() -> None:
    stack = cdk.Stack(cdk.App(), "Acknowledged")
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), auth=ApiKeyAuth())
    cdk.Annotations.of(front_door).acknowledge_warning(API_KEY_ALONE_WARNING, "partner testing only")
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("ApiKeyAuth"))


def test_cognito_auth_with_a_created_pool(
    auth_templates: dict[str, dict[str, Any]], by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]
) -> None:
    template = auth_templates["Cognito"]
    (authorizer_id,) = of_type(template, "AWS::ApiGateway::Authorizer")
    for method in methods(template).values():
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert method["AuthorizerId"] == {"Ref": authorizer_id}
        assert method["AuthorizationScopes"] == ["models/invoke"]
        assert "ApiKeyRequired" not in method
    (pool_id,) = of_type(template, "AWS::Cognito::UserPool")
    assert one(template, "AWS::ApiGateway::Authorizer")["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    pool = one(template, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    front_door = by_auth["Cognito"][1]
    assert front_door.user_pool is not None and front_door.user_pool_client is not None
    assert front_door.authorizer is not None


def test_cognito_auth_with_a_given_pool_creates_none(
    auth_templates: dict[str, dict[str, Any]], by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]
) -> None:
    template = auth_templates["CognitoExisting"]
    (pool_id,) = of_type(template, "AWS::Cognito::UserPool")  # only the given one
    assert pool_id.startswith("Pool")
    assert one(template, "AWS::ApiGateway::Authorizer")["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    assert by_auth["CognitoExisting"][1].user_pool_client is None


def test_open_api_only_with_the_acknowledgement(auth_templates: dict[str, dict[str, Any]], stack: cdk.Stack) -> None:
    for method in methods(auth_templates["Open"]).values():
        assert method["AuthorizationType"] == "NONE"
        assert "ApiKeyRequired" not in method
    with pytest.raises(ValidationError, match=r"auth: NoAuth\(acknowledge_unauthenticated=False\) is not allowed"):
        FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), auth=NoAuth())


def test_method_acknowledgements_follow_the_auth(by_auth: dict[str, tuple[cdk.Stack, FrontDoor]]) -> None:
    def rules(name: str) -> set[str]:
        return acknowledged_rules(by_auth[name][1])

    assert "AwsSolutions-COG4" in rules("Default") and "AwsSolutions-APIG4" not in rules("Default")
    assert "AwsSolutions-COG4" not in rules("Cognito")
    assert "AwsSolutions-APIG4" in rules("ApiKey") and "AwsSolutions-APIG4" in rules("Open")
    assert "AwsSolutions-APIG4" not in rules("IamPlan")  # IAM still authorises; the key only meters
    on_methods = {
        path: found for path, found in acknowledged(by_auth["ApiKey"][1]).items() if path.endswith(("/POST", "/GET"))
    }
    paths = [
        "Api/Default/invocations/POST",
        "Api/Default/variants/{variant}/invocations/POST",
        "Api/Default/health/GET",
    ]
    assert on_methods == {path: {"AwsSolutions-COG4", "AwsSolutions-APIG4"} for path in paths}


# --- validation: each object's problem, matched by its message -----------------------------------


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (NoAuth(), "auth: NoAuth(acknowledge_unauthenticated=False) is not allowed; an API open to anyone needs"),
        (
            ApiKeyAuth(usage_plan=UsagePlanOptions(rate_limit=0)),
            "auth.usage_plan.rate_limit: 0 is not allowed; must be a number > 0 and ≤ 10000",
        ),
        (
            ApiKeyAuth(usage_plan=UsagePlanOptions(quota_period="YEAR")),  # type: ignore[arg-type]
            "auth.usage_plan.quota_period: 'YEAR' is not allowed; expected DAY, WEEK or MONTH",
        ),
        (
            ApiKeyAuth(usage_plan=UsagePlanOptions(quota_limit=0)),
            "auth.usage_plan.quota_limit: 0 is not allowed; must be an integer from 1 to 2000000000",
        ),
        (
            IamAuth(usage_plan=UsagePlanOptions(burst_limit=6000)),
            "auth.usage_plan.burst_limit: 6000 is not allowed; must be an integer from 0 to 5000",
        ),
        (
            CognitoAuth(usage_plan=UsagePlanOptions(rate_limit=-1)),
            "auth.usage_plan.rate_limit: -1 is not allowed; must be a number > 0",
        ),
        (
            ApiKeyAuth(usage_plan=None),  # type: ignore[arg-type]
            "auth.usage_plan: None is not allowed; ApiKeyAuth needs UsagePlanOptions",
        ),
        (
            CognitoAuth(authorization_scopes=("a b",)),
            "auth.authorization_scopes: 'a b' is not allowed; expected an OAuth scope",
        ),
        ("iam", "auth: 'iam' is not allowed; expected a FrontDoorAuth (IamAuth, CognitoAuth, ApiKeyAuth or NoAuth)"),
    ],
)
def test_each_auth_validation_rule(stack: cdk.Stack, auth: FrontDoorAuth, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), auth=auth)
    assert len(info.value.problems) == 1
    assert not stack.node.try_find_child("FrontDoor").node.try_find_child("Api")  # type: ignore[union-attr]


def test_auth_problems_join_the_front_doors_own(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        FrontDoor(
            stack,
            "FrontDoor",
            endpoint=endpoint(stack),
            stage_name="",
            auth=CognitoAuth(authorization_scopes=("a b",), usage_plan=UsagePlanOptions(quota_limit=0)),
        )
    assert str(info.value).startswith("Invalid front door props: 3 problem(s)")
    assert sorted(p.split(":")[0] for p in info.value.problems) == [
        "auth.authorization_scopes",
        "auth.usage_plan.quota_limit",
        "stage_name",
    ]
