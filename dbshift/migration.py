"""Everything a migration file needs, in one import: ``from dbshift.migration import *``."""

from .core.model import (
    Check, Column, Enum, Exclude, ForeignKey, Identity, Index, PrimaryKey, Sequence, Table, TableOptions, Unique,
)
from .core.ops import (
    AddColumn, AddConstraint, AlterColumn, Backfill, AlterEnum, AlterTableComment, AlterTableLogging, BulkDelete,
    AlterTableCluster, AlterTableOptions, BulkInsert, CreateEnum,
    CreateIndex, CreateSequence, CreateTable, AlterSequence, AttachSequence, DetachSequence,
    CreateSchema, DropSchema, DropColumn, DropConstraint, DropEnum, DropIndex, DropSequence,
    DropTable, RenameColumn, RenameTable, RunPython, RunSQL,
)

__all__ = [
    "Check", "Column", "Enum", "Exclude", "ForeignKey", "Identity", "Index", "PrimaryKey", "Sequence", "Table",
    "TableOptions", "Unique",
    "AddColumn", "AddConstraint", "AlterColumn", "Backfill", "AlterEnum", "AlterTableComment", "BulkDelete", "BulkInsert",
    "CreateEnum", "CreateIndex", "CreateSequence", "CreateTable", "DropColumn", "DropConstraint", "DropEnum",
    "DropIndex", "DropSequence", "DropTable", "RenameColumn", "RenameTable", "RunPython", "RunSQL",
    "AlterTableLogging", "AlterTableCluster", "AlterTableOptions", "AlterSequence", "AttachSequence", "DetachSequence",
    "CreateSchema", "DropSchema",
]
