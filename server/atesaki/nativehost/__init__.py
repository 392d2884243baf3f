"""Native messaging bridge: the browser starts ``atesaki native-host``, which starts and pairs the service."""

from atesaki.nativehost.commands import native_host_group

__all__ = ["native_host_group"]
