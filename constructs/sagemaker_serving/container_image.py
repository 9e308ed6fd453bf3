"""Where a model's container image comes from: ECR, a URI, or an AWS-published framework image."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagemaker_serving.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_ecr as ecr

#: Accounts that publish the SageMaker scikit-learn framework images, by region
#: (from the SageMaker Python SDK's ``image_uri_config/sklearn.json``).
SKLEARN_REGISTRY_ACCOUNTS: Mapping[str, str] = MappingProxyType(
    {
        "af-south-1": "510948584623",
        "ap-east-1": "651117190479",
        "ap-northeast-1": "354813040037",
        "ap-northeast-2": "366743142698",
        "ap-northeast-3": "867004704886",
        "ap-south-1": "720646828776",
        "ap-south-2": "628508329040",
        "ap-southeast-1": "121021644041",
        "ap-southeast-2": "783357654285",
        "ap-southeast-3": "951798379941",
        "ap-southeast-4": "106583098589",
        "ca-central-1": "341280168497",
        "cn-north-1": "450853457545",
        "cn-northwest-1": "451049120500",
        "eu-central-1": "492215442770",
        "eu-central-2": "680994064768",
        "eu-north-1": "662702820516",
        "eu-south-1": "978288397137",
        "eu-south-2": "104374241257",
        "eu-west-1": "141502667606",
        "eu-west-2": "764974769150",
        "eu-west-3": "659782779980",
        "me-central-1": "272398656194",
        "me-south-1": "801668240914",
        "sa-east-1": "737474898029",
        "us-east-1": "683313688378",
        "us-east-2": "257758044811",
        "us-gov-east-1": "237065988967",
        "us-gov-west-1": "414596584902",
        "us-west-1": "746614075791",
        "us-west-2": "246618743249",
    }
)

#: Accounts that publish the AWS Deep Learning Containers (PyTorch, TensorFlow, HuggingFace, ...).
DLC_REGISTRY_ACCOUNTS: Mapping[str, str] = MappingProxyType(
    {
        "af-south-1": "626614931356",
        "ap-east-2": "975050140332",
        "ap-east-1": "871362719292",
        "ap-northeast-1": "763104351884",
        "ap-northeast-2": "763104351884",
        "ap-northeast-3": "364406365360",
        "ap-south-1": "763104351884",
        "ap-south-2": "772153158452",
        "ap-southeast-1": "763104351884",
        "ap-southeast-2": "763104351884",
        "ap-southeast-3": "907027046896",
        "ap-southeast-4": "457447274322",
        "ap-southeast-5": "550225433462",
        "ap-southeast-7": "590183813437",
        "ca-central-1": "763104351884",
        "ca-west-1": "204538143572",
        "cn-north-1": "727897471807",
        "cn-northwest-1": "727897471807",
        "eu-central-1": "763104351884",
        "eu-central-2": "380420809688",
        "eu-north-1": "763104351884",
        "eu-south-1": "692866216735",
        "eu-south-2": "503227376785",
        "eu-west-1": "763104351884",
        "eu-west-2": "763104351884",
        "eu-west-3": "763104351884",
        "il-central-1": "780543022126",
        "me-central-1": "914824155844",
        "me-south-1": "217643126080",
        "mx-central-1": "637423239942",
        "sa-east-1": "763104351884",
        "us-east-1": "763104351884",
        "us-east-2": "763104351884",
        "us-gov-west-1": "442386744353",
        "us-west-1": "763104351884",
        "us-west-2": "763104351884",
    }
)

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repo>[a-z0-9._/-]+)(?::[\w.-]+|@sha256:[0-9a-f]{64})$"
)
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_REPO = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")


@dataclass(frozen=True)
class BoundImage:
    """An image bound to a scope: its URI and the policy statements needed to pull it."""

    image_uri: str
    pull_statements: tuple[iam.PolicyStatement, ...] = field(default=())


def _pull_statements(repository_arn: str) -> tuple[iam.PolicyStatement, ...]:
    return (
        iam.PolicyStatement(
            actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resources=[repository_arn],
        ),
        # ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
        iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
    )


class ContainerImage:
    """The inference container image of a model."""

    def bind(self, scope: Construct) -> BoundImage:  # pragma: no cover - abstract
        """Return the image URI and the statements a role needs to pull it."""
        raise NotImplementedError

    @staticmethod
    def from_ecr_repository(repository: ecr.IRepository, tag: str = "latest") -> ContainerImage:
        """An image in an ECR repository of yours; the role may pull from that repository only."""
        return _EcrImage(repository, tag)

    @staticmethod
    def from_image_uri(image_uri: str) -> ContainerImage:
        """An image by full URI. An ECR URI gets a pull grant scoped to its repository."""
        return _UriImage(image_uri)

    @staticmethod
    def from_aws_registry(
        repository_name: str, tag: str, *, accounts: Mapping[str, str] = DLC_REGISTRY_ACCOUNTS
    ) -> ContainerImage:
        """An AWS-published image (a Deep Learning Container by default) resolved per region.

        The registry account is looked up at deploy time with ``Fn::FindInMap`` on ``AWS::Region``,
        so this works in environment-agnostic stacks and needs no AWS call at synth time.
        """
        return _RegistryImage(repository_name, tag, accounts)

    @staticmethod
    def sklearn(framework_version: str = "1.2-1") -> ContainerImage:
        """The SageMaker scikit-learn serving container, e.g. ``1.2-1`` → ``1.2-1-cpu-py3``."""
        return _RegistryImage("sagemaker-scikit-learn", f"{framework_version}-cpu-py3", SKLEARN_REGISTRY_ACCOUNTS)


class _EcrImage(ContainerImage):
    def __init__(self, repository: ecr.IRepository, tag: str) -> None:
        if not _TAG.match(tag):
            raise ValidationError("Invalid container image", [f"tag: {tag!r} is not a valid image tag"])
        self._repository, self._tag = repository, tag

    def bind(self, scope: Construct) -> BoundImage:
        return BoundImage(
            self._repository.repository_uri_for_tag(self._tag),
            _pull_statements(self._repository.repository_arn),
        )


class _UriImage(ContainerImage):
    def __init__(self, image_uri: str) -> None:
        if not cdk.Token.is_unresolved(image_uri) and ("/" not in image_uri or " " in image_uri):
            raise ValidationError(
                "Invalid container image",
                [f"image_uri: {image_uri!r} is not an image URI; expected <registry>/<repository>[:tag]"],
            )
        self._uri = image_uri

    def bind(self, scope: Construct) -> BoundImage:
        match = _ECR_URI.match(self._uri)
        if match is None:
            return BoundImage(self._uri)
        partition = cdk.Stack.of(scope).partition
        arn = f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"
        return BoundImage(self._uri, _pull_statements(arn))


class _RegistryImage(ContainerImage):
    def __init__(self, repository_name: str, tag: str, accounts: Mapping[str, str]) -> None:
        problems = []
        if not _REPO.match(repository_name):
            problems.append(f"repository_name: {repository_name!r} is not a valid ECR repository name")
        if not _TAG.match(tag):
            problems.append(f"tag: {tag!r} is not a valid image tag")
        if not accounts:
            problems.append("accounts: empty; expected a mapping of region to registry account")
        if problems:
            raise ValidationError("Invalid container image", problems)
        self._repo, self._tag, self._accounts = repository_name, tag, dict(accounts)

    def bind(self, scope: Construct) -> BoundImage:
        stack = cdk.Stack.of(scope)
        mapping_id = "RegistryAccounts" + "".join(p.capitalize() for p in re.split(r"[^a-zA-Z0-9]", self._repo))
        mapping = stack.node.try_find_child(mapping_id)
        if not isinstance(mapping, cdk.CfnMapping):
            mapping = cdk.CfnMapping(
                stack,
                mapping_id,
                mapping={region: {"account": account} for region, account in sorted(self._accounts.items())},
                lazy=True,
            )
        account = mapping.find_in_map(stack.region, "account")
        uri = f"{account}.dkr.ecr.{stack.region}.{stack.url_suffix}/{self._repo}:{self._tag}"
        arn = f"arn:{stack.partition}:ecr:{stack.region}:{account}:repository/{self._repo}"
        return BoundImage(uri, _pull_statements(arn))
