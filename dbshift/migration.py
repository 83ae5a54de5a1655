"""Everything a migration file needs, in one import: ``from dbshift.migration import *``.

Besides the operations and model values: ``sa`` (SQLAlchemy) and its dialect modules
``postgresql``, ``mysql`` and ``sqlite``, for column types and server defaults stated as
the models state them (``Column("mood", sa.Enum("happy", "sad", name="mood"))``,
``default=sa.func.now()``); each is spelled for the database the migration runs on.  A dialect
module is imported when the file first uses it (:mod:`dbshift.sqla.lazy_dialects`).
"""

import sqlalchemy as sa

from .sqla.lazy_dialects import mysql, postgresql, sqlite

from .core.model import (
    Check, Column, Enum, Exclude, ForeignKey, Identity, Index, PartitionOf, PrimaryKey, Sequence, Statistics, Table,
    TableOptions, TableRef, Unique,
)
from .core.ops import (
    AddColumn, AddConstraint, AlterColumn, Backfill, AlterEnum, AlterTableComment, AlterTableLogging, BulkDelete,
    AlterTableCluster, AlterTableOptions, BulkInsert, CreateEnum,
    CreateIndex, CreateSequence, CreateTable, AlterSequence, AttachSequence, DetachSequence,
    CreateSchema, DropSchema, DropColumn, DropConstraint, DropEnum, DropIndex, DropSequence,
    DropTable, RenameColumn, RenameTable, RunPython, RunSQL, CreateObject, DropObject, ReplaceObject,
    AlterTableInherit, AttachPartition, DetachPartition, CreateStatistics, DropStatistics, AlterColumnStatistics,
    ValidateConstraint,
)
from .core.objects import DbObject

__all__ = [
    "Check", "Column", "Enum", "Exclude", "ForeignKey", "Identity", "Index", "PrimaryKey", "Sequence", "Table",
    "TableOptions", "Unique", "TableRef", "PartitionOf", "Statistics",
    "AddColumn", "AddConstraint", "AlterColumn", "Backfill", "AlterEnum", "AlterTableComment", "BulkDelete", "BulkInsert",
    "CreateEnum", "CreateIndex", "CreateSequence", "CreateTable", "DropColumn", "DropConstraint", "DropEnum",
    "DropIndex", "DropSequence", "DropTable", "RenameColumn", "RenameTable", "RunPython", "RunSQL",
    "AlterTableLogging", "AlterTableCluster", "AlterTableOptions", "AlterSequence", "AttachSequence", "DetachSequence",
    "CreateSchema", "DropSchema", "DbObject", "CreateObject", "DropObject", "ReplaceObject",
    "AlterTableInherit", "AttachPartition", "DetachPartition", "CreateStatistics", "DropStatistics",
    "AlterColumnStatistics", "ValidateConstraint",
    "sa", "postgresql", "mysql", "sqlite",
]
