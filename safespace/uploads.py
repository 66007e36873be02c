"""Uploads that must never touch the disk before they are encrypted (documents in her file,
pictures on her dream board)."""

from functools import wraps
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class InMemoryUploadHandler(FileUploadHandler):
    """Keep the uploaded file in memory only: it is not encrypted yet, so it must never land
    in a temporary file on disk. Past SAFESPACE_DOCUMENT_MAX_BYTES the rest is read and
    dropped, and the size is still reported, so the form can say the file is too large."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.SAFESPACE_DOCUMENT_MAX_BYTES
        self.taken = False

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        # one file per upload, in the "file" field; any other file is dropped unread
        self.keep = field_name == "file" and not self.taken
        self.taken = self.taken or self.keep
        self.buffer = BytesIO() if self.keep else None

    def receive_data_chunk(self, raw_data, start):
        if self.buffer is not None and start + len(raw_data) > self.limit:
            self.buffer = None
        if self.buffer is not None:
            self.buffer.write(raw_data)
        return None  # nothing for any other handler

    def file_complete(self, file_size):
        if not self.keep:
            return None
        content = self.buffer if self.buffer is not None else BytesIO()
        content.seek(0)
        return InMemoryUploadedFile(
            file=content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def upload_in_memory(view):
    """Read the request's file with InMemoryUploadHandler only.

    CSRF is checked inside, once the handler is set: the middleware would read the body
    first, with the default handlers, which write large files to a temporary file. Put this
    decorator outermost, so the role and scope checks run after it, with CSRF checked.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [InMemoryUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return wrapper
