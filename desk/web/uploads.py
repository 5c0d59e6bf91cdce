"""Files an agent uploads with a reply, turned into the connectors' Attachment values."""

import mimetypes
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath

from werkzeug.datastructures import FileStorage

from connectors.base import Attachment
from desk.config import current_config
from desk.errors import N_, ServiceError


def uploaded(files: Iterable[FileStorage] | None) -> tuple[Attachment, ...]:
    """The non-empty uploads as Attachments; refuses a file over the configured size."""
    limit = current_config().attachments.max_bytes
    attachments = []
    for upload in files or ():
        if not upload or not upload.filename:
            continue  # a browser sends an empty part when no file was chosen
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ServiceError(N_("A file is larger than the desk accepts."))
        name = _plain_name(upload.filename)
        content_type = (upload.mimetype or mimetypes.guess_type(name)[0]
                        or "application/octet-stream")
        attachments.append(Attachment(filename=name, content_type=content_type, data=data))
    return tuple(attachments)


def _plain_name(filename: str) -> str:
    """The last part of whatever path a browser sent, without control characters."""
    name = PureWindowsPath(PurePosixPath(filename).name).name
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:200] or "vedlegg"
