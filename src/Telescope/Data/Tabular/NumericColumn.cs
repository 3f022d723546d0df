using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace Telescope.Data.Tabular;

/// <summary>One Parquet column of any numeric type read as doubles, nulls marked (<see cref="ParquetTable"/>).</summary>
internal static class NumericColumn
{
    /// <summary>The CLR types read: every integer and floating-point width, and decimal.</summary>
    public static bool Supports(Type t) =>
        t == typeof(double) || t == typeof(float) || t == typeof(decimal) || t == typeof(long) || t == typeof(int)
        || t == typeof(short) || t == typeof(sbyte) || t == typeof(ulong) || t == typeof(uint) || t == typeof(ushort) || t == typeof(byte);

    public static Task<(double Value, bool IsNull)[]> ReadAsync(ParquetRowGroupReader group, DataField field, int rows)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return t == typeof(double) ? Read<double>(group, field, rows)
            : t == typeof(float) ? Read<float>(group, field, rows)
            : t == typeof(decimal) ? Read<decimal>(group, field, rows)
            : t == typeof(long) ? Read<long>(group, field, rows)
            : t == typeof(int) ? Read<int>(group, field, rows)
            : t == typeof(short) ? Read<short>(group, field, rows)
            : t == typeof(sbyte) ? Read<sbyte>(group, field, rows)
            : t == typeof(ulong) ? Read<ulong>(group, field, rows)
            : t == typeof(uint) ? Read<uint>(group, field, rows)
            : t == typeof(ushort) ? Read<ushort>(group, field, rows)
            : Read<byte>(group, field, rows);
    }

    private static async Task<(double, bool)[]> Read<T>(ParquetRowGroupReader group, DataField field, int rows)
        where T : struct, INumberBase<T>
    {
        var result = new (double, bool)[rows];
        if (field.IsNullable)
        {
            var buffer = new T?[rows];
            await group.ReadAsync<T>(field, buffer.AsMemory());
            for (int i = 0; i < rows; i++) result[i] = buffer[i] is T v ? (double.CreateChecked(v), false) : (double.NaN, true);
        }
        else
        {
            var buffer = new T[rows];
            await group.ReadAsync<T>(field, buffer.AsMemory());
            for (int i = 0; i < rows; i++) result[i] = (double.CreateChecked(buffer[i]), false);
        }
        return result;
    }
}
