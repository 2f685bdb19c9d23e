using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TdbPlus.Shards.Scripting;

/// <summary>
/// The Lua 5.4 C API, bound directly to the native library the KeraLua package ships (liblua54). Callbacks are
/// [UnmanagedCallersOnly] function pointers, so calling into C# from Lua allocates nothing. No C# frame ever sits
/// between a Lua error and the protected call that catches it: C# functions never raise Lua errors (they return
/// a status that a Lua wrapper turns into <c>error()</c>), and the kill hook yields instead of raising.
/// </summary>
internal static unsafe partial class Lua
{
    private const string Lib = "lua54";

    public const int RegistryIndex = -1000000 - 1000;
    public const int RidxGlobals = 2;
    public const int MultRet = -1;

    public const int TNone = -1;
    public const int TNil = 0;
    public const int TBoolean = 1;
    public const int TLightUserData = 2;
    public const int TNumber = 3;
    public const int TString = 4;
    public const int TTable = 5;
    public const int TFunction = 6;
    public const int TUserData = 7;
    public const int TThread = 8;

    public const int Ok = 0;
    public const int Yield = 1;
    public const int ErrRun = 2;
    public const int ErrSyntax = 3;
    public const int ErrMem = 4;

    public const int MaskCall = 1;
    public const int MaskRet = 2;
    public const int MaskLine = 4;
    public const int MaskCount = 8;

    [LibraryImport(Lib, EntryPoint = "luaL_newstate")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial IntPtr NewState();

    [LibraryImport(Lib, EntryPoint = "luaL_openlibs")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void OpenLibs(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_close")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void Close(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_gettop")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int GetTop(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_settop")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void SetTop(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_pushvalue")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushValue(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_rotate")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void Rotate(IntPtr l, int index, int n);

    [LibraryImport(Lib, EntryPoint = "lua_checkstack")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int CheckStack(IntPtr l, int n);

    [LibraryImport(Lib, EntryPoint = "lua_type")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int Type(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_isinteger")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int IsInteger(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_isnumber")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int IsNumber(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_isstring")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int IsString(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_tonumberx")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial double ToNumberX(IntPtr l, int index, int* isNum);

    [LibraryImport(Lib, EntryPoint = "lua_tointegerx")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial long ToIntegerX(IntPtr l, int index, int* isNum);

    [LibraryImport(Lib, EntryPoint = "lua_toboolean")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int ToBoolean(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_tolstring")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial byte* ToLString(IntPtr l, int index, nuint* len);

    [LibraryImport(Lib, EntryPoint = "lua_rawlen")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nuint RawLen(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_topointer")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial IntPtr ToPointer(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_pushnil")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushNil(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_pushnumber")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushNumber(IntPtr l, double n);

    [LibraryImport(Lib, EntryPoint = "lua_pushinteger")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushInteger(IntPtr l, long n);

    [LibraryImport(Lib, EntryPoint = "lua_pushlstring")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial byte* PushLString(IntPtr l, byte* s, nuint len);

    [LibraryImport(Lib, EntryPoint = "lua_pushcclosure")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushCClosure(IntPtr l, delegate* unmanaged[Cdecl]<IntPtr, int> fn, int n);

    [LibraryImport(Lib, EntryPoint = "lua_pushboolean")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushBoolean(IntPtr l, int b);

    [LibraryImport(Lib, EntryPoint = "lua_pushlightuserdata")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void PushLightUserData(IntPtr l, IntPtr p);

    [LibraryImport(Lib, EntryPoint = "lua_getglobal")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int GetGlobal(IntPtr l, byte* name);

    [LibraryImport(Lib, EntryPoint = "lua_setglobal")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial void SetGlobal(IntPtr l, byte* name);

    [LibraryImport(Lib, EntryPoint = "lua_getfield")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int GetField(IntPtr l, int index, byte* name);

    [LibraryImport(Lib, EntryPoint = "lua_setfield")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial void SetField(IntPtr l, int index, byte* name);

    [LibraryImport(Lib, EntryPoint = "lua_rawget")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int RawGet(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_rawgeti")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int RawGetI(IntPtr l, int index, long n);

    [LibraryImport(Lib, EntryPoint = "lua_rawset")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void RawSet(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_rawseti")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void RawSetI(IntPtr l, int index, long n);

    [LibraryImport(Lib, EntryPoint = "lua_createtable")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void CreateTable(IntPtr l, int narr, int nrec);

    [LibraryImport(Lib, EntryPoint = "lua_getmetatable")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int GetMetatable(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_setmetatable")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int SetMetatable(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "lua_next")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int Next(IntPtr l, int index);

    [LibraryImport(Lib, EntryPoint = "luaL_loadbufferx")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int LoadBufferX(IntPtr l, byte* buff, nuint size, byte* name, byte* mode);

    [LibraryImport(Lib, EntryPoint = "lua_pcallk")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int PCallK(IntPtr l, int nargs, int nresults, int msgh, IntPtr ctx, IntPtr k);

    [LibraryImport(Lib, EntryPoint = "lua_resume")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int Resume(IntPtr l, IntPtr from, int narg, int* nres);

    [LibraryImport(Lib, EntryPoint = "lua_newthread")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial IntPtr NewThread(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_closethread")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int CloseThread(IntPtr l, IntPtr from);

    [LibraryImport(Lib, EntryPoint = "lua_status")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int Status(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_xmove")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void XMove(IntPtr from, IntPtr to, int n);

    [LibraryImport(Lib, EntryPoint = "lua_sethook")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void SetHook(IntPtr l, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> hook, int mask, int count);

    [LibraryImport(Lib, EntryPoint = "lua_isyieldable")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int IsYieldable(IntPtr l);

    [LibraryImport(Lib, EntryPoint = "lua_yieldk")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int YieldK(IntPtr l, int nresults, IntPtr ctx, IntPtr k);

    [LibraryImport(Lib, EntryPoint = "lua_setupvalue")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial byte* SetUpValue(IntPtr l, int funcIndex, int n);

    [LibraryImport(Lib, EntryPoint = "lua_getinfo")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int GetInfo(IntPtr l, byte* what, IntPtr ar);

    [LibraryImport(Lib, EntryPoint = "lua_stringtonumber")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nuint StringToNumber(IntPtr l, byte* s);

    // ---- helpers (the C API's macros and string conveniences) ----

    /// <summary>
    /// Source and current line of the activation record a hook received (lua_getinfo "Sl"; lua_Debug's layout on
    /// 64-bit: event, name, namewhat, what, source at 32, srclen at 40, currentline at 48).
    /// </summary>
    public static (string Source, int Line) HookPosition(IntPtr l, IntPtr ar)
    {
        if (IntPtr.Size != 8) return ("?", 0);
        byte* what = stackalloc byte[] { (byte)'S', (byte)'l', 0 };
        if (GetInfo(l, what, ar) == 0) return ("?", 0);
        byte* src = *(byte**)(ar + 32);
        int line = *(int*)(ar + 48);
        string source = src == null ? "?" : Marshal.PtrToStringUTF8((IntPtr)src) ?? "?";
        return (source, line);
    }

    public static void Pop(IntPtr l, int n) => SetTop(l, -n - 1);

    public static void NewTable(IntPtr l) => CreateTable(l, 0, 0);

    public static void Insert(IntPtr l, int index) => Rotate(l, index, 1);

    public static void Remove(IntPtr l, int index)
    {
        Rotate(l, index, -1);
        Pop(l, 1);
    }

    public static int UpValueIndex(int i) => RegistryIndex - i;

    public static void PushFunction(IntPtr l, delegate* unmanaged[Cdecl]<IntPtr, int> fn) => PushCClosure(l, fn, 0);

    public static void PushBytes(IntPtr l, ReadOnlySpan<byte> s)
    {
        fixed (byte* p = s) PushLString(l, p == null ? (byte*)&p : p, (nuint)s.Length);
    }

    public static void PushAscii(IntPtr l, string s)
    {
        Span<byte> buf = s.Length <= 256 ? stackalloc byte[s.Length] : new byte[s.Length];
        for (int i = 0; i < s.Length; i++) buf[i] = (byte)s[i];
        PushBytes(l, buf);
    }

    public static void PushUtf8(IntPtr l, string s) => PushBytes(l, System.Text.Encoding.UTF8.GetBytes(s));

    /// <summary>The string at <paramref name="index"/> (numbers are converted in place, as lua_tolstring does); empty when not a string.</summary>
    public static ReadOnlySpan<byte> ToBytes(IntPtr l, int index)
    {
        nuint len;
        byte* p = ToLString(l, index, &len);
        return p == null ? default : new ReadOnlySpan<byte>(p, (int)len);
    }

    public static string ToStringLatin1(IntPtr l, int index) => System.Text.Encoding.Latin1.GetString(ToBytes(l, index));

    public static double ToNumber(IntPtr l, int index) => ToNumberX(l, index, null);

    public static long ToInteger(IntPtr l, int index) => ToIntegerX(l, index, null);

    public static int GetGlobal(IntPtr l, string name)
    {
        Span<byte> z = stackalloc byte[name.Length + 1];
        Ascii(name, z);
        fixed (byte* p = z) return GetGlobal(l, p);
    }

    public static void SetGlobal(IntPtr l, string name)
    {
        Span<byte> z = stackalloc byte[name.Length + 1];
        Ascii(name, z);
        fixed (byte* p = z) SetGlobal(l, p);
    }

    public static int GetField(IntPtr l, int index, string name)
    {
        Span<byte> z = stackalloc byte[name.Length + 1];
        Ascii(name, z);
        fixed (byte* p = z) return GetField(l, index, p);
    }

    public static void SetField(IntPtr l, int index, string name)
    {
        Span<byte> z = stackalloc byte[name.Length + 1];
        Ascii(name, z);
        fixed (byte* p = z) SetField(l, index, p);
    }

    /// <summary>Pushes t[name] without metamethods (t at <paramref name="index"/>, an absolute index).</summary>
    public static int RawGetField(IntPtr l, int index, string name)
    {
        PushAscii(l, name);
        return RawGet(l, index < 0 && index > RegistryIndex ? index - 1 : index);
    }

    /// <summary>t[name] = top, without metamethods; pops the value.</summary>
    public static void RawSetField(IntPtr l, int index, string name)
    {
        PushAscii(l, name);
        Insert(l, -2);
        RawSet(l, index < 0 && index > RegistryIndex ? index - 1 : index);
    }

    public static int LoadBuffer(IntPtr l, ReadOnlySpan<byte> code, string chunkName, string mode = "t")
    {
        Span<byte> name = stackalloc byte[chunkName.Length + 1];
        Ascii(chunkName, name);
        Span<byte> m = stackalloc byte[mode.Length + 1];
        Ascii(mode, m);
        fixed (byte* c = code)
        fixed (byte* n = name)
        fixed (byte* mp = m)
            return LoadBufferX(l, c == null ? mp : c, (nuint)code.Length, n, mp);
    }

    public static int PCall(IntPtr l, int nargs, int nresults, int msgh) => PCallK(l, nargs, nresults, msgh, IntPtr.Zero, IntPtr.Zero);

    /// <summary>The pointer-sized extra space in front of every lua_State (LUA_EXTRASPACE), shared by its threads.</summary>
    public static ref IntPtr ExtraSpace(IntPtr l) => ref Unsafe.AsRef<IntPtr>((void*)(l - IntPtr.Size));

    private static void Ascii(string s, Span<byte> z)
    {
        for (int i = 0; i < s.Length; i++) z[i] = (byte)s[i];
        z[s.Length] = 0;
    }
}
