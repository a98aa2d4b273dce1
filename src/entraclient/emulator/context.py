"""What every endpoint of the emulator shares: directory, signer, log, known hosts, clock,
and pending faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from entraclient.emulator.adfs_farms import AdfsFarms
from entraclient.emulator.auth_codes import AuthCodeStore
from entraclient.emulator.directory import Directory
from entraclient.emulator.faults import FaultPlan
from entraclient.emulator.hosts import HostSet
from entraclient.emulator.managed_identities import IdentityHostSettings, ManagedIdentityRegistry
from entraclient.emulator.outages import TokenFaults
from entraclient.emulator.refresh_tokens import RefreshTokenStore
from entraclient.emulator.regional import RegionSettings
from entraclient.emulator.request_log import RequestLog
from entraclient.emulator.resources import ResourceRegistry
from entraclient.emulator.sessions import SessionRevocations
from entraclient.emulator.sign_in import SignIns
from entraclient.emulator.signing import TokenSigner
from entraclient.emulator.users import AppFamilies, UserDirectory

__all__ = ["EmulatorContext"]


@dataclass(frozen=True, slots=True)
class EmulatorContext:
    """The emulator's state, handed to every endpoint. ``clock`` returns epoch seconds."""

    directory: Directory
    signer: TokenSigner
    log: RequestLog
    extra_instances: HostSet
    clock: Callable[[], float]
    regions: RegionSettings = field(default_factory=RegionSettings)
    adfs_farms: AdfsFarms = field(default_factory=AdfsFarms)
    outages: TokenFaults = field(default_factory=TokenFaults)
    faults: FaultPlan = field(default_factory=FaultPlan)
    users: UserDirectory = field(default_factory=UserDirectory)
    families: AppFamilies = field(default_factory=AppFamilies)
    refresh_tokens: RefreshTokenStore = field(default_factory=RefreshTokenStore)
    auth_codes: AuthCodeStore = field(default_factory=AuthCodeStore)
    sign_ins: SignIns = field(default_factory=SignIns)
    managed_identities: ManagedIdentityRegistry = field(default_factory=ManagedIdentityRegistry)
    identity_hosts: IdentityHostSettings = field(default_factory=IdentityHostSettings)
    resources: ResourceRegistry = field(default_factory=ResourceRegistry)
    sessions: SessionRevocations = field(default_factory=SessionRevocations)
